"""Task grouping from an affinity matrix: the exhaustive search against a brute force written by hand."""

from __future__ import annotations

import numpy as np
import pytest

from mtl_lessons.grouping import best_grouping, grouping_score


def partitions(items: list[int], k: int):
    """Every partition of ``items`` into exactly ``k`` non-empty groups (recursive, by hand)."""
    if k == 0:
        if not items:
            yield []
        return
    if len(items) < k:
        return
    first, rest = items[0], items[1:]
    for partition in partitions(rest, k - 1):  # first alone
        yield [[first], *partition]
    for partition in partitions(rest, k):  # first joins one of the k groups
        for g in range(k):
            yield [group + [first] if h == g else group for h, group in enumerate(partition)]


def score_by_hand(affinity: np.ndarray, groups) -> float:
    total = 0.0
    for group in groups:
        for j in group:
            others = [i for i in group if i != j]
            if others:
                total += sum(affinity[i, j] for i in others) / len(others)
    return total


def test_the_score_of_a_small_grouping():
    affinity = np.array([[9.0, 1.0, 2.0], [3.0, 9.0, 4.0], [5.0, 6.0, 9.0]])
    assert grouping_score(affinity, [[0, 1], [2]]) == 3.0 + 1.0  # A[1, 0] onto 0, A[0, 1] onto 1, 2 alone
    assert grouping_score(affinity, [[0, 1, 2]]) == pytest.approx((3 + 5) / 2 + (1 + 6) / 2 + (2 + 4) / 2)
    assert grouping_score(affinity, [[0], [1], [2]]) == 0.0  # the diagonal never counts


# (tasks, groups, Stirling number of the second kind: how many partitions there are)
@pytest.mark.parametrize("n_tasks, k, count", [(5, 2, 15), (6, 3, 90), (7, 3, 301), (7, 2, 63), (6, 1, 1),
                                               (5, 5, 1)])
def test_best_grouping_is_the_best_of_every_partition(n_tasks, k, count):
    affinity = np.random.default_rng(count).normal(size=(n_tasks, n_tasks))
    scores = {tuple(sorted(tuple(sorted(g)) for g in p)): score_by_hand(affinity, p)
              for p in partitions(list(range(n_tasks)), k)}
    assert len(scores) == count  # the brute force sees every partition once
    best = best_grouping(affinity, k)
    assert scores[best] == pytest.approx(max(scores.values()))
    assert grouping_score(affinity, best) == pytest.approx(scores[best])
    assert best == tuple(sorted(best)) and all(list(g) == sorted(g) for g in best)


def test_blocks_of_related_tasks_are_found():
    blocks = [(0, 3, 5), (1, 4), (2, 6, 7)]
    affinity = np.random.default_rng(0).normal(scale=0.1, size=(8, 8))
    for block in blocks:
        affinity[np.ix_(block, block)] += 1.0
    assert best_grouping(affinity, 3) == tuple(sorted(blocks))


def test_grouping_checks_its_arguments():
    square = np.eye(4)
    with pytest.raises(ValueError, match="square"):
        best_grouping(np.ones((3, 4)), 2)
    with pytest.raises(ValueError, match="NaN"):
        best_grouping(np.full((3, 3), np.nan), 2)
    with pytest.raises(ValueError, match="n_groups must be <= 4"):
        best_grouping(square, 5)
    with pytest.raises(ValueError, match="more than 5,000,000"):
        best_grouping(np.eye(14), 4)
    with pytest.raises(ValueError, match="task 1 is in more than one group"):
        grouping_score(square, [[0, 1], [1, 2, 3]])
    with pytest.raises(ValueError, match=r"missing: \[3\]"):
        grouping_score(square, [[0, 1], [2]])
    with pytest.raises(ValueError, match="groups\\[1\\] must be a non-empty"):
        grouping_score(square, [[0, 1, 2, 3], []])
    with pytest.raises(ValueError, match="must be <= 3"):
        grouping_score(square, [[0, 1, 2, 4]])
    with pytest.raises(TypeError, match="groups must be a sequence"):
        grouping_score(square, 3)
