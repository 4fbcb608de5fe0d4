"""Property-based checks of the public API (Hypothesis): bad input always gets a clear error.

Every public function that takes a size, a weight or data must refuse a wrong value with a
``ValueError`` or ``TypeError`` whose message names the argument, whatever the wrong value is.
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
    FixedWeights,
    HardSharingNet,
    SharingSetting,
    SoftSharingNet,
    UncertaintyWeighting,
    fit,
    mtl_loss,
    train_copies,
)

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
def test_a_split_refuses_nan_and_infinite_values(bad, where, row):
    x, y = np.zeros((4, 2), np.float32), np.zeros(4, np.float32)
    if where == "x":
        x[row, 1] = bad
    else:
        y[row] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
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
