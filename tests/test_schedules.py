"""The order of alternating steps: task probabilities, turns, temperature draws, per-task passes."""

from collections import Counter

import numpy as np
import pytest

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
