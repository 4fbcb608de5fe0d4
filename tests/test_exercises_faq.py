"""The checkers of the FAQ chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import numpy as np

from mtl_lessons.exercises import NOT_ANSWERED
from mtl_lessons.exercises.faq import (
    FOLD_MSE,
    TRAIN_VARIANCE,
    check_cv_choice,
    check_leaky_steps,
    check_start_from,
    check_transfer_or_joint,
    cv_reference,
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


# ---------------------------------------------------------------- exercise 2: a CV choice by hand


def test_the_table_separates_the_typical_mistakes():
    normalised = FOLD_MSE / TRAIN_VARIANCE
    assert cv_reference(FOLD_MSE, TRAIN_VARIANCE) == 2
    assert int(FOLD_MSE.mean(axis=(1, 2)).argmin()) == 0           # raw units: task 2 decides
    assert int(normalised.mean(axis=2).min(axis=1).argmin()) == 3  # the lucky fold
    assert np.all(FOLD_MSE > 0) and TRAIN_VARIANCE.shape == (5, 2)


def test_cv_choice_right_wrong_and_unfinished():
    def right(mse, variance):
        return int(np.argmin((mse / variance).mean(axis=(1, 2))))

    assert check_cv_choice(right).ok

    def unfinished(mse, variance):
        raise NotImplementedError

    assert NOT_ANSWERED.message == check_cv_choice(unfinished).message
    raw = check_cv_choice(lambda m, v: int(m.mean(axis=(1, 2)).argmin()))
    assert not raw.ok and "units" in raw.message
    lucky = check_cv_choice(lambda m, v: int((m / v).mean(axis=2).min(axis=1).argmin()))
    assert not lucky.ok and "best fold" in lucky.message
    array = check_cv_choice(lambda m, v: (m / v).mean(axis=(1, 2)))
    assert not array.ok and "argmin" in array.message
    constant = check_cv_choice(lambda m, v: 2)
    assert not constant.ok and "another table" in constant.message
    assert "raised" in check_cv_choice(lambda m, v: 1 / 0).message
    assert "Return one depth" in check_cv_choice(lambda m, v: "two").message


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


# ---------------------------------------------------------------- exercise 4: start from a trunk


def right_start(pretrained, model, freeze):
    model.trunk.load_state_dict(pretrained.trunk.state_dict())
    for parameter in model.trunk.parameters():
        parameter.requires_grad_(not freeze)
    return model


def test_start_from_right_wrong_and_unfinished():
    assert check_start_from(right_start).ok

    def unfinished(pretrained, model, freeze):
        raise NotImplementedError

    assert NOT_ANSWERED.message == check_start_from(unfinished).message

    def shares(pretrained, model, freeze):
        model.trunk = pretrained.trunk
        return model

    assert "shares its trunk" in check_start_from(shares).message

    def never_freezes(pretrained, model, freeze):
        model.trunk.load_state_dict(pretrained.trunk.state_dict())
        return model

    assert "requires_grad=False" in check_start_from(never_freezes).message

    def always_freezes(pretrained, model, freeze):
        return right_start(pretrained, model, True)

    assert "stay trainable" in check_start_from(always_freezes).message

    def freezes_the_source(pretrained, model, freeze):
        model.trunk.load_state_dict(pretrained.trunk.state_dict())
        for parameter in pretrained.trunk.parameters():
            parameter.requires_grad_(not freeze)
        return model

    assert "pre-trained network was changed" in check_start_from(freezes_the_source).message

    def forgets_to_return(pretrained, model, freeze):
        right_start(pretrained, model, freeze)

    assert "returned None" in check_start_from(forgets_to_return).message

    def freezes_everything(pretrained, model, freeze):
        right_start(pretrained, model, freeze)
        for parameter in model.heads.parameters():
            parameter.requires_grad_(not freeze)
        return model

    assert "head must stay trainable" in check_start_from(freezes_everything).message
    assert "raised" in check_start_from(lambda p, m, f: m.load_state_dict(p.state_dict())).message
