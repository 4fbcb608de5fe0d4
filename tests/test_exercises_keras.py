"""The checkers of the TensorFlow/Keras chapter: right, wrong and unfinished answers."""

import math
import subprocess
import sys

import pytest

from mtl_lessons.exercises import keras as ex


def stub(*args):
    raise NotImplementedError


def test_importing_the_checkers_does_not_import_tensorflow():
    code = ("import sys, mtl_lessons.exercises, mtl_lessons.exercises.keras; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    code = "import sys, mtl_lessons.exercises; assert 'mtl_lessons.exercises.keras' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_regression_optimum():
    s, weight, term = ex.regression_optimum(0.25)
    assert s == pytest.approx(math.log(0.25)) and weight == pytest.approx(2.0)
    assert term == pytest.approx(0.5 + 0.5 * math.log(0.25))
    with pytest.raises(ValueError, match="loss must be > 0.0"):
        ex.regression_optimum(0.0)
    with pytest.raises(TypeError, match="loss must be a number"):
        ex.regression_optimum("small")


def test_check_uncertainty_optimum():
    l1, l2 = ex.EXERCISE_LOSSES
    total = 0.5 * (1 + math.log(l1)) + 0.5 * (1 + math.log(l2))
    right = ex.check_uncertainty_optimum(1 / (2 * l1), 1 / (2 * l2), total)
    assert right and "negative" in str(right)
    assert ex.check_uncertainty_optimum(10.0, 0.625, -0.6094)
    assert "Not attempted yet" in str(ex.check_uncertainty_optimum(..., 0.625, total))
    assert "1/(2L)" in str(ex.check_uncertainty_optimum(1 / l1, 1 / (2 * l2), total))
    assert "inversely proportional" in str(ex.check_uncertainty_optimum(10.0, l2, total))
    assert "derivative" in str(ex.check_uncertainty_optimum(3.0, 0.625, total))
    assert "s / 2" in str(ex.check_uncertainty_optimum(10.0, 0.625, 1.0))
    assert "sign" in str(ex.check_uncertainty_optimum(10.0, 0.625, -total))
    assert "too large" in str(ex.check_uncertainty_optimum(10.0, 0.625, 0.2))
    assert "should be a number" in str(ex.check_uncertainty_optimum(10.0, 0.625, "low"))


def test_check_article_b_parameters():
    assert ex.check_article_b_parameters(12618, 109386)
    assert "Not attempted yet" in str(ex.check_article_b_parameters(..., 109386))
    assert "last axis only" in str(ex.check_article_b_parameters(109386, 109386))
    assert "biases" in str(ex.check_article_b_parameters(12416, 109386))
    assert "biases" in str(ex.check_article_b_parameters(12618, 109184))
    assert "not right" in str(ex.check_article_b_parameters(5, 109386))
    assert "not right" in str(ex.check_article_b_parameters(12618, 5))
    assert "whole number" in str(ex.check_article_b_parameters(12618.0, 109386))
    assert "whole number" in str(ex.check_article_b_parameters(True, 109386))


def test_check_uncertainty_reading():
    assert ex.check_uncertainty_reading("b") and ex.check_uncertainty_reading(" B ")
    for letter in "acd":
        feedback = ex.check_uncertainty_reading(letter)
        assert not feedback and feedback.message == ex.UNCERTAINTY_FEEDBACK[letter]
    assert "one letter" in str(ex.check_uncertainty_reading("e"))
    assert "one letter" in str(ex.check_uncertainty_reading(2))
    assert "Not attempted yet" in str(ex.check_uncertainty_reading(None))


@pytest.fixture(scope="module")
def tf():
    pytest.importorskip("mtl_lessons.keras")
    import tensorflow

    return tensorflow


def make_step(tf, weighted=True, update=True, losses_after=False, returns=True):
    def step(model, optimizer, losses_fn, alpha, x, y):
        with tf.GradientTape() as tape:
            outputs = model(x, training=True)
            losses = {t: losses_fn[t](y[t], outputs[t]) for t in outputs}
            total = tf.add_n([(alpha[t] if weighted else 1.0) * losses[t] for t in losses])
        gradients = tape.gradient(total, model.trainable_variables)
        if update:
            optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        if losses_after:
            outputs = model(x)
            losses = {t: losses_fn[t](y[t], outputs[t]) for t in outputs}
        return losses if returns else None

    return step


def test_check_weighted_step(tf):
    right = ex.check_weighted_step(make_step(tf))
    assert right, str(right)
    assert "Not attempted yet" in str(ex.check_weighted_step(stub))
    unweighted = ex.check_weighted_step(make_step(tf, weighted=False))
    assert "multiply each task's loss by its alpha" in str(unweighted)
    assert "did not change" in str(ex.check_weighted_step(make_step(tf, update=False)))
    assert "before the step" in str(ex.check_weighted_step(make_step(tf, losses_after=True)))
    assert "should return a dict" in str(ex.check_weighted_step(make_step(tf, returns=False)))
    broken = ex.check_weighted_step(lambda *args: 1 / 0)
    assert not broken and "ZeroDivisionError" in str(broken)


def test_check_weighted_step_leaves_the_python_random_stream_alone(tf):
    import random

    random.seed(5)
    expected = random.random()
    random.seed(5)
    ex.check_weighted_step(make_step(tf))
    assert random.random() == expected
