"""Checkers of the challenges chapter: right answers pass, typical mistakes get their own message."""

import numpy as np

from mtl_lessons.exercises.challenges import check_best_p, check_negative_transfer_plan, check_task_count_cost

P = (0.0, 0.5, 1.0)
GAIN = np.array([[-0.1, -0.2], [0.05, 0.0], [0.1, 0.2]])


def test_best_p():
    assert check_best_p(1.0, P, GAIN).ok
    assert "smallest mean gain" in check_best_p(0.0, P, GAIN).message
    assert "another p has a larger one" in check_best_p(0.5, P, GAIN).message
    assert "not one of the p values" in check_best_p(0.7, P, GAIN).message
    assert "as a number" in check_best_p("high", P, GAIN).message
    assert "Not attempted" in str(check_best_p(..., P, GAIN))


def test_task_count_cost():
    assert check_task_count_cost(80, 10).ok
    assert "4 bytes" in check_task_count_cost(20, 10).message
    assert "one gradient per task" in check_task_count_cost(8, 10).message
    assert "one backward pass per task" in check_task_count_cost(80, 1).message
    assert "Not attempted" in str(check_task_count_cost(..., ...))
    assert "two numbers" in check_task_count_cost("a lot", 10).message


def test_negative_transfer_plan():
    assert check_negative_transfer_plan("b").ok
    assert "adding-tasks" in check_negative_transfer_plan("c").message
    assert "one letter" in check_negative_transfer_plan("z").message
    assert "Not attempted" in str(check_negative_transfer_plan(...))


# ---------------------------------------------------------------- exercise 4: first-order affinity


def first_order_by_hand(gradients, losses, lr):
    """The first-order affinity with explicit loops over the pairs of tasks."""
    g = np.asarray(gradients, dtype=float)
    tasks = len(g)
    return np.array([[lr * float(g[i] @ g[j]) / float(losses[j]) for j in range(tasks)]
                     for i in range(tasks)])


def test_first_order_reference_matches_loops_and_the_exact_lookahead():
    from mtl_lessons.exercises.challenges import _tiny_affinity_case, first_order_reference
    from mtl_lessons.torch import lookahead_affinity

    rng = np.random.default_rng(1)
    g, losses = rng.normal(size=(4, 7)), rng.uniform(0.2, 3.0, 4)
    assert np.allclose(first_order_reference(g, losses, 0.3), first_order_by_hand(g, losses, 0.3))
    model, data, gradients, task_losses = _tiny_affinity_case()
    exact = lookahead_affinity(model, data, 1e-3)  # a smaller step drowns in float32 rounding of the losses
    assert np.allclose(first_order_reference(gradients, task_losses, 1e-3), exact, rtol=0.05, atol=1e-7)
    far = lookahead_affinity(model, data, 0.2)  # a large step meets curvature: the first order is off
    assert not np.allclose(first_order_reference(gradients, task_losses, 0.2), far, rtol=0.05, atol=1e-7)


def test_first_order_affinity_right_wrong_and_unfinished():
    from mtl_lessons.exercises.challenges import check_first_order_affinity

    assert check_first_order_affinity(first_order_by_hand).ok

    def unfinished(gradients, losses, lr):
        raise NotImplementedError

    assert "Not attempted yet" in str(check_first_order_affinity(unfinished))
    assert "Not attempted yet" in str(check_first_order_affinity(lambda g, loss, lr: None))
    transposed = check_first_order_affinity(lambda g, loss, lr: first_order_by_hand(g, loss, lr).T)
    assert not transposed.ok and "column j" in transposed.message
    no_lr = check_first_order_affinity(lambda g, loss, lr: first_order_by_hand(g, loss, 1.0))
    assert "multiply by it" in no_lr.message
    assert "+ lr" in check_first_order_affinity(lambda g, loss, lr: -first_order_by_hand(g, loss, lr)).message

    def cosine(g, loss, lr):
        unit = g / np.linalg.norm(g, axis=1, keepdims=True)
        return lr * (unit @ unit.T) / loss[None, :]

    assert "cosine" in check_first_order_affinity(cosine).message
    assert "divide by L_j" in check_first_order_affinity(lambda g, loss, lr: lr * g @ g.T).message
    assert "3 x 3" in check_first_order_affinity(lambda g, loss, lr: g).message
    assert "raised" in check_first_order_affinity(lambda g, loss, lr: 1 / 0).message
