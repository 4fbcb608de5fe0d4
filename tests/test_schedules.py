"""The order of alternating steps: task probabilities, turns, temperature draws, per-task passes."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtl_lessons.schedules import TaskBatches, alternating_tasks, task_probabilities


def test_temperature_one_is_proportional_and_a_large_one_nearly_uniform():
    sizes = {"big": 900, "small": 100}
    assert task_probabilities(sizes, 1.0) == pytest.approx({"big": 0.9, "small": 0.1})
    assert task_probabilities(sizes, 2.0) == pytest.approx({"big": 0.75, "small": 0.25})  # 30 : 10
    assert task_probabilities(sizes, 1e6) == pytest.approx({"big": 0.5, "small": 0.5}, abs=1e-5)
    assert task_probabilities(sizes, 1e-3)["big"] == pytest.approx(1.0)  # no overflow


def test_tasks_in_turn_for_as_many_rounds_as_the_largest_task_has_batches():
    assert alternating_tasks({"a": 10, "b": 30}, 5, None) == ["a", "b"] * 6


def test_temperature_draws_as_many_steps_as_all_tasks_have_batches():
    rng = np.random.default_rng(0)
    counts = Counter()
    for _ in range(200):
        order = alternating_tasks({"a": 10, "b": 30}, 5, 1.0, rng.random)
        assert len(order) == 2 + 6
        counts.update(order)
    assert counts["a"] / sum(counts.values()) == pytest.approx(0.25, abs=0.02)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: task_probabilities({"a": 3}, 0.0), "temperature must be > 0"),
    (lambda: task_probabilities({"a": 0}, 1.0), "size of task 'a' must be >= 1"),
    (lambda: alternating_tasks({"a": 3}, 0, None), "batch_size must be >= 1"),
    (lambda: alternating_tasks({"a": 3}, 2, 1.0), "needs uniform"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_task_batches_walk_every_row_once_per_pass_and_reshuffle_when_used_up():
    rng = np.random.default_rng(0)
    loader = TaskBatches(np.arange(100, 107), 3, rng.permutation)
    loader.new_epoch()
    first_pass = np.concatenate([loader.next() for _ in range(3)])  # 3 + 3 + 1
    assert sorted(first_pass) == list(range(100, 107))
    second = loader.next()  # used up: a new pass starts
    assert len(second) == 3 and set(second) <= set(range(100, 107))


sizes_strategy = st.dictionaries(st.sampled_from("abcde"), st.integers(1, 60), min_size=1)


@settings(max_examples=40, deadline=None)
@given(sizes=sizes_strategy, batch=st.integers(1, 25), temperature=st.one_of(st.none(), st.floats(0.05, 50)),
       seed=st.integers(0, 2**16))
def test_every_epoch_gives_each_task_at_least_its_batches_in_turn_or_their_total_by_draw(
        sizes, batch, temperature, seed):
    order = alternating_tasks(sizes, batch, temperature, np.random.default_rng(seed).random)
    batches = {t: -(-n // batch) for t, n in sizes.items()}
    assert set(order) <= set(sizes)
    if temperature is None:
        assert all(order.count(t) == max(batches.values()) for t in sizes)
    else:
        assert len(order) == sum(batches.values())


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), batch=st.integers(1, 50), seed=st.integers(0, 2**16))
def test_a_pass_of_task_batches_serves_every_row_exactly_once(n, batch, seed):
    loader = TaskBatches(np.arange(n), batch, np.random.default_rng(seed).permutation)
    loader.new_epoch()
    served = np.concatenate([loader.next() for _ in range(-(-n // batch))])
    assert sorted(served) == list(range(n))


@settings(max_examples=25, deadline=None)
@given(temperature=st.one_of(st.floats(max_value=0.0), st.just(float("nan")), st.just(float("inf"))))
def test_a_temperature_must_be_a_positive_number(temperature):
    with pytest.raises(ValueError, match="temperature must be"):
        task_probabilities({"a": 2, "b": 3}, temperature)
