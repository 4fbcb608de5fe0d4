"""The checkers of the FAQ chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import numpy as np

from mtl_lessons.exercises import NOT_ANSWERED
from mtl_lessons.exercises.faq import (
    _ONE_SE_CASES,
    _STOP_CASES,
    check_leaky_steps,
    check_one_se_choice,
    check_stop_epochs,
    check_transfer_or_joint,
    one_se_reference,
    stop_reference,
)

RIGHT = {"s1": "frozen trunk", "s2": "fine-tune all", "s3": "joint", "s4": "single-task"}

# ---------------------------------------------------------------- exercise 1: transfer or joint


def test_transfer_or_joint_right_wrong_and_unfinished():
    assert check_transfer_or_joint(RIGHT).ok
    assert check_transfer_or_joint({k: f" {v.upper()} " for k, v in RIGHT.items()}).ok
    assert NOT_ANSWERED.message == check_transfer_or_joint(...).message
    stub = {"s1": ..., "s2": ..., "s3": ..., "s4": ...}
    assert NOT_ANSWERED.message == check_transfer_or_joint(stub).message
    assert "s4 too" in check_transfer_or_joint({**RIGHT, "s4": ...}).message
    forget = check_transfer_or_joint({**RIGHT, "s3": "fine-tune all"})
    assert not forget.ok and "forget" in forget.message
    frozen = check_transfer_or_joint({**RIGHT, "s2": "frozen trunk"})
    assert not frozen.ok and "features of its own" in frozen.message
    assert "choose one of" in check_transfer_or_joint({**RIGHT, "s1": "transfer"}).message
    assert "should be a dict" in check_transfer_or_joint(["joint"]).message


def test_every_wrong_option_has_its_own_hint():
    options = ("frozen trunk", "fine-tune all", "joint", "single-task")
    messages = set()
    for scenario, right in RIGHT.items():
        for option in options:
            if option != right:
                feedback = check_transfer_or_joint({**RIGHT, scenario: option})
                assert not feedback.ok and feedback.message.startswith(scenario)
                messages.add(feedback.message)
    assert len(messages) == 12


# ---------------------------------------------------------------- exercise 2: the one-standard-error rule


def one_se_by_hand(scores):
    """The rule written from Hastie et al.'s description, with a loop instead of array operations."""
    k = len(scores[0])
    means = [sum(row) / k for row in scores]
    best = means.index(min(means))
    sd = (sum((v - means[best]) ** 2 for v in scores[best]) / k) ** 0.5
    return max(d for d, m in enumerate(means) if m <= means[best] + sd / k ** 0.5)


def test_one_se_reference_matches_a_hand_written_rule():
    rng = np.random.default_rng(0)
    for _ in range(50):
        scores = rng.uniform(0.3, 0.7, size=(4, 5))
        assert one_se_reference(scores) == one_se_by_hand(scores.tolist())
    for scores, _ in _ONE_SE_CASES:
        assert one_se_reference(scores) == one_se_by_hand(scores.tolist())


def test_one_se_choice_right_wrong_and_unfinished():
    assert check_one_se_choice(lambda s: one_se_by_hand(np.asarray(s).tolist())).ok

    def unfinished(scores):
        raise NotImplementedError

    assert NOT_ANSWERED.message == check_one_se_choice(unfinished).message
    assert NOT_ANSWERED.message == check_one_se_choice(lambda s: None).message
    plain = check_one_se_choice(lambda s: int(s.mean(axis=1).argmin()))
    assert not plain.ok and "plain cross-validation" in plain.message

    def with_sd(s):
        mean = s.mean(axis=1)
        return int(np.flatnonzero(mean <= mean.min() + s[mean.argmin()].std()).max())

    assert "standard deviation" in check_one_se_choice(with_sd).message

    def least_shared(s):
        mean = s.mean(axis=1)
        return int(np.flatnonzero(mean <= mean.min() + s[mean.argmin()].std() / np.sqrt(s.shape[1])).min())

    assert "most shared" in check_one_se_choice(least_shared).message

    def own_error(s):
        mean = s.mean(axis=1)
        return int(np.flatnonzero(mean - s.std(axis=1) / np.sqrt(s.shape[1]) <= mean.min()).max())

    assert "its own standard error" in check_one_se_choice(own_error).message
    assert "an array" in check_one_se_choice(lambda s: s.mean(axis=1)).message
    assert "Return one depth" in check_one_se_choice(lambda s: "two").message
    assert "raised" in check_one_se_choice(lambda s: 1 / 0).message


# ---------------------------------------------------------------- exercise 3: spot the leak


def test_leaky_steps_right_wrong_and_unfinished():
    assert check_leaky_steps({2, 4, 7}).ok
    assert check_leaky_steps([7, 4, 2]).ok
    assert NOT_ANSWERED.message == check_leaky_steps(...).message
    missed = check_leaky_steps({2, 7})
    assert not missed.ok and "step 4" in missed.message
    extra = check_leaky_steps({2, 4, 6, 7})
    assert not extra.ok and "step 6" in extra.message
    assert "1 to 7" in check_leaky_steps({8}).message
    assert "set of step numbers" in check_leaky_steps(3).message


# ---------------------------------------------------------------- exercise 4: when to stop


def stop_by_hand(errors, patience):
    """The rule with plain lists: count each task's evaluations without a new best."""
    tasks = len(errors[0])
    best_value, best_index, waiting = [float("inf")] * tasks, [0] * tasks, [0] * tasks
    for e, row in enumerate(errors):
        for t in range(tasks):
            if row[t] < best_value[t]:
                best_value[t], best_index[t], waiting[t] = row[t], e, 0
            else:
                waiting[t] += 1
        if all(w >= patience for w in waiting):
            return e, best_index
    return len(errors) - 1, best_index


def test_stop_reference_matches_a_hand_written_rule():
    rng = np.random.default_rng(0)
    for _ in range(50):
        errors = rng.uniform(0.0, 1.0, size=(12, 3)).cumsum(axis=0)[::-1] / 10 + rng.uniform(0, 0.3, (12, 3))
        for patience in (1, 2, 4):
            assert stop_reference(errors, patience) == stop_by_hand(errors.tolist(), patience)
    assert stop_reference(_STOP_CASES[0][0], 2) == (7, [5, 3])


def test_stop_epochs_right_wrong_and_unfinished():
    assert check_stop_epochs(lambda e, p: stop_by_hand(np.asarray(e).tolist(), p)).ok

    def unfinished(errors, patience):
        raise NotImplementedError

    assert NOT_ANSWERED.message == check_stop_epochs(unfinished).message

    def any_task(errors, patience):
        best, waiting = errors[0].copy(), np.zeros(errors.shape[1])
        for e, row in enumerate(errors[1:], start=1):
            waiting = np.where(row < best, 0, waiting + 1)
            best = np.minimum(best, row)
            if waiting.max() >= patience:
                return e, [int(i) for i in errors[: e + 1].argmin(axis=0)]
        return len(errors) - 1, [int(i) for i in errors.argmin(axis=0)]

    assert "one task stalls" in check_stop_epochs(any_task).message

    def on_the_sum(errors, patience):
        stop = stop_by_hand(errors.sum(axis=1, keepdims=True).tolist(), patience)[0]
        return stop, [int(i) for i in errors[: stop + 1].argmin(axis=0)]

    assert "sum of the tasks" in check_stop_epochs(on_the_sum).message

    def peeking(errors, patience):
        return stop_by_hand(errors.tolist(), patience)[0], [int(i) for i in errors.argmin(axis=0)]

    assert "never run" in check_stop_epochs(peeking).message

    def one_late(errors, patience):
        return stop_by_hand(errors.tolist(), patience + 1)

    assert "later than the rule" in check_stop_epochs(one_late).message
    assert "pair (stop, best)" in check_stop_epochs(lambda e, p: 3).message
    assert "raised" in check_stop_epochs(lambda e, p: 1 / 0).message
