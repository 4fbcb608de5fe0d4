"""Property-based checks of the public API (Hypothesis): bad input always gets a clear error.

Every public function that takes a size, a weight or data must refuse a wrong value with a
``ValueError`` or ``TypeError`` whose message names the argument, whatever the wrong value is.
That holds for the torch and the Keras models, and for the weightings called on their own.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mtl_lessons.data import MultiTaskData, Split, digit_pairs, related_tasks, subspace_tasks
from mtl_lessons.torch import (
    DWA,
    MGDA,
    FixedWeights,
    HardSharingNet,
    PCGrad,
    SharingSetting,
    SoftSharingNet,
    UncertaintyWeighting,
    fit,
    mtl_loss,
    train_copies,
)
from mtl_lessons.torch.weighting import dwa_weights, min_norm_weights, project_conflicts

FAST = settings(max_examples=25, deadline=None)
not_positive = st.integers(max_value=0)
bad_numbers = st.sampled_from([math.nan, math.inf, -math.inf])
negative = st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False)
not_a_number = st.one_of(st.text(max_size=3), st.none(), st.lists(st.integers(), max_size=2))


@pytest.fixture(scope="module")
def data():
    return related_tasks(n_train=16, p=0.5, dim=4, n_val=8, n_test=8, seed=0)


@FAST
@given(size=not_positive, name=st.sampled_from(["n_train", "n_val", "n_test", "dim", "n_tasks"]))
def test_generators_refuse_sizes_below_one(size, name):
    with pytest.raises(ValueError, match=name):
        related_tasks(**{name: size})


@FAST
@given(value=st.one_of(bad_numbers, st.floats(min_value=1.0001, max_value=1e9), st.floats(max_value=-1.0001)))
def test_relatedness_p_must_be_a_cosine(value):
    with pytest.raises(ValueError, match="p must"):
        related_tasks(p=value)


@FAST
@given(value=not_a_number)
def test_sizes_must_be_integers(value):
    with pytest.raises(TypeError, match="n_train must be an integer"):
        digit_pairs(n_train=value)


@FAST
@given(rank=st.integers(min_value=11, max_value=50))
def test_a_subspace_cannot_be_larger_than_the_inputs(rank):
    with pytest.raises(ValueError, match="rank must be <= 10"):
        subspace_tasks(rank=rank, dim=10)


@FAST
@given(bad=bad_numbers, where=st.sampled_from(["x", "y"]), row=st.integers(0, 3))
def test_a_split_refuses_nan_and_infinite_inputs_and_infinite_targets(bad, where, row):
    x, y = np.zeros((4, 2), np.float32), np.zeros(4, np.float32)
    if where == "x":
        x[row, 1] = bad
    else:
        y[row] = bad
    if where == "y" and math.isnan(bad):  # a NaN target is a missing label
        assert len(Split(x, {"t": y})) == 4
        return
    with pytest.raises(ValueError, match="NaN or infinite" if where == "x" else "infinite values"):
        Split(x, {"t": y})


@FAST
@given(n=st.integers(1, 6), m=st.integers(1, 6))
def test_a_split_refuses_targets_of_another_length(n, m):
    if n == m:
        return
    with pytest.raises(ValueError, match=rf"targets of task 't' have shape \({m},\); expected \({n},\)"):
        Split(np.zeros((n, 2), np.float32), {"t": np.zeros(m, np.float32)})


@FAST
@given(kind=st.text(min_size=1, max_size=8).filter(lambda k: k not in ("regression", "classification")))
def test_data_refuse_unknown_task_kinds(kind):
    split = Split(np.zeros((2, 2), np.float32), {"t": np.zeros(2, np.float32)})
    with pytest.raises(ValueError, match="kind of task 't'"):
        MultiTaskData(split, split, split, {"t": kind})


@FAST
@given(weight=st.one_of(negative, bad_numbers))
def test_task_weights_must_be_finite_and_not_negative(weight, data):
    with pytest.raises(ValueError, match=r"alpha\['task1'\]"):
        FixedWeights({"task1": weight})
    model = HardSharingNet(data.input_shape, data.output_sizes(), (4,))
    x = torch.as_tensor(data.train.x)
    y = {t: torch.as_tensor(v) for t, v in data.train.y.items()}
    with pytest.raises(ValueError, match=r"alpha\['task1'\]"):
        mtl_loss(model(x), y, data.kinds, {"task1": weight})
    with pytest.raises(ValueError, match=r"weighting\['task1'\]"):
        fit(model, data, epochs=1, weighting={"task1": weight}, progress=False)


@FAST
@given(task=st.text(min_size=1, max_size=6).filter(lambda t: t not in ("task1", "task2")))
def test_unknown_task_names_are_named(task, data):
    model = HardSharingNet(data.input_shape, data.output_sizes(), (4,))
    with pytest.raises(ValueError, match="unknown tasks"):
        fit(model, data, epochs=1, weighting={task: 1.0}, progress=False)
    with pytest.raises(ValueError, match="unknown task"):
        model(torch.zeros(2, 4), task=task)


@FAST
@given(units=not_positive, width=st.integers(max_value=0))
def test_networks_refuse_empty_heads_and_layers(units, width):
    with pytest.raises(ValueError, match=r"heads\['a'\] must be >= 1"):
        HardSharingNet(3, {"a": units})
    with pytest.raises(ValueError, match="hidden width must be >= 1"):
        SoftSharingNet(3, {"a": 1}, hidden=(4, width))


@FAST
@given(features=st.integers(1, 20))
def test_a_model_says_both_input_sizes(features):
    model = HardSharingNet(7, {"a": 1}, (3,))
    if features == 7:
        assert model(torch.zeros(2, features))["a"].shape == (2,)
        return
    with pytest.raises(ValueError, match=rf"expects inputs of 7 features .* \({features} features"):
        model(torch.zeros(2, features))


@FAST
@given(epochs=not_positive, batch=not_positive, lr=st.one_of(st.floats(max_value=0.0), bad_numbers))
def test_fit_refuses_bad_training_settings(epochs, batch, lr, data):
    model = HardSharingNet(data.input_shape, data.output_sizes(), (4,))
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        fit(model, data, epochs=epochs, progress=False)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        fit(model, data, epochs=1, batch_size=batch, progress=False)
    with pytest.raises(ValueError, match="lr must be"):
        fit(model, data, epochs=1, lr=lr, progress=False)


@FAST
@given(lam=st.one_of(negative, st.just(math.nan)), depth=st.integers(max_value=-1))
def test_engine_settings_are_checked(lam, depth):
    with pytest.raises(ValueError, match="lam must"):
        SharingSetting(0, lam)
    with pytest.raises(ValueError, match="depth must be >= 0"):
        SharingSetting(depth)


@FAST
@given(seeds=st.lists(st.integers(max_value=-1), min_size=1, max_size=3))
def test_seeds_must_not_be_negative(seeds, data):
    with pytest.raises(ValueError, match="seed must be >= 0"):
        train_copies(data, SharingSetting(0), seeds=seeds, hidden=(2,), epochs=1)


@FAST
@given(kind=st.text(max_size=5).filter(lambda k: k not in ("regression", "classification")))
def test_uncertainty_weighting_refuses_unknown_kinds(kind):
    with pytest.raises(ValueError, match="kind of task 'a'"):
        UncertaintyWeighting({"a": kind})


# Weighting objects called directly ------------------------------------------------------------

jacobian_sizes = st.tuples(st.integers(1, 4), st.integers(1, 6))


@FAST
@given(size=jacobian_sizes, bad=bad_numbers, draw=st.data())
def test_gradient_weightings_refuse_a_jacobian_that_is_not_finite(size, bad, draw):
    jacobian = torch.randn(*size, dtype=torch.float64)
    jacobian[draw.draw(st.integers(0, size[0] - 1)), draw.draw(st.integers(0, size[1] - 1))] = bad
    for aggregate in (MGDA().aggregate, PCGrad().aggregate, project_conflicts):
        with pytest.raises(ValueError, match="^jacobian holds NaN or infinite values"):
            aggregate(jacobian)
    gramian = torch.eye(size[0], dtype=torch.float64)
    gramian[-1, 0] = bad
    with pytest.raises(ValueError, match="^gramian holds NaN or infinite values"):
        min_norm_weights(gramian)


@FAST
@given(shape=st.lists(st.integers(0, 3), max_size=3).filter(lambda s: len(s) != 2 or s[0] == 0))
def test_gradient_weightings_refuse_a_jacobian_that_is_not_a_matrix(shape):
    for aggregate in (MGDA().aggregate, PCGrad().aggregate):
        with pytest.raises(ValueError, match=r"^jacobian must be a \(tasks, parameters\) matrix; got shape"):
            aggregate(torch.ones(shape))


@FAST
@given(tasks=st.integers(1, 4), bad=bad_numbers, draw=st.data())
def test_dwa_weights_refuse_losses_that_are_not_finite(tasks, bad, draw):
    losses = draw.draw(st.lists(st.floats(0.01, 10.0), min_size=tasks, max_size=tasks))
    broken = list(losses)
    broken[draw.draw(st.integers(0, tasks - 1))] = bad
    with pytest.raises(ValueError, match="^previous holds NaN or infinite values"):
        dwa_weights(broken, losses)
    with pytest.raises(ValueError, match="^before holds NaN or infinite values"):
        dwa_weights(losses, broken)


@FAST
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3))
def test_loss_weightings_refuse_a_loss_that_is_not_a_scalar(shape):
    for weighting in (FixedWeights(), DWA(), UncertaintyWeighting({"a": "regression"})):
        with pytest.raises(ValueError, match=r"^losses\['a'\] must be a scalar"):
            weighting.combine({"a": torch.ones(shape)})


@FAST
@given(task=st.text(min_size=1, max_size=6).filter(lambda t: t not in ("task1", "task2")))
def test_fixed_weights_for_unknown_tasks_are_refused_by_fit(task, data):
    model = HardSharingNet(data.input_shape, data.output_sizes(), (4,))
    with pytest.raises(ValueError, match="^FixedWeights alpha names unknown tasks"):
        fit(model, data, epochs=1, weighting=FixedWeights({task: 2.0}), progress=False)


# The Keras models (TensorFlow is imported only by these tests) ---------------------------------

KERAS = settings(max_examples=6, deadline=None)
KERAS_MODELS = ("HardSharingNet", "SoftSharingNet", "MMoENet", "OMoENet")
WIDTHS = {"HardSharingNet": "hidden", "SoftSharingNet": "hidden", "MMoENet": "expert_hidden",
          "OMoENet": "tower_hidden"}


@pytest.fixture(scope="module")
def keras_mtl():
    return pytest.importorskip("mtl_lessons.keras")


@KERAS
@given(name=st.sampled_from(KERAS_MODELS), units=not_positive)
def test_keras_models_refuse_empty_heads(keras_mtl, name, units):
    with pytest.raises(ValueError, match=r"heads\['a'\] must be >= 1"):
        getattr(keras_mtl, name)(3, {"a": units})


@KERAS
@given(name=st.sampled_from(KERAS_MODELS), entry=not_positive)
def test_keras_models_refuse_bad_input_shapes(keras_mtl, name, entry):
    with pytest.raises(ValueError, match="input_shape entry must be >= 1"):
        getattr(keras_mtl, name)((4, entry), {"a": 1})


@KERAS
@given(name=st.sampled_from(KERAS_MODELS), width=not_positive,
       widths=st.one_of(st.integers(), st.floats(), st.none(), st.text(max_size=3)))
def test_keras_models_name_their_layer_widths(keras_mtl, name, width, widths):
    argument = WIDTHS[name]
    with pytest.raises(ValueError, match=rf"^{argument} width must be >= 1"):
        getattr(keras_mtl, name)(3, {"a": 1}, **{argument: (4, width)})
    with pytest.raises(TypeError, match=rf"^{argument} must be a sequence of layer widths"):
        getattr(keras_mtl, name)(3, {"a": 1}, **{argument: widths})


@KERAS
@given(name=st.sampled_from(KERAS_MODELS), features=st.integers(2, 12))
def test_keras_models_say_both_input_sizes(keras_mtl, name, features):
    data = related_tasks(n_train=8, dim=features, p=0.5, n_val=4, n_test=4, seed=0)
    model = getattr(keras_mtl, name)(7, data.output_sizes())
    if features == 7:
        assert tuple(model(data.test.x)["task1"].shape) == (4,)
        return
    expected = rf"^the model takes inputs of shape \(7,\), but the data's inputs have shape \({features},\)$"
    with pytest.raises(ValueError, match=expected):
        keras_mtl.fit(model, data, epochs=1, progress=False)
    with pytest.raises(ValueError, match=expected):
        keras_mtl.evaluate(model, data)


@KERAS
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3))
def test_keras_weightings_refuse_a_loss_that_is_not_a_scalar(keras_mtl, shape):
    import keras

    for weighting in (keras_mtl.FixedWeights(), keras_mtl.UncertaintyWeighting({"a": "regression"})):
        with pytest.raises(ValueError, match=r"^losses\['a'\] must be a scalar"):
            weighting.combine({"a": keras.ops.ones(shape)})
