"""The checkers of the tools chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F  # noqa: N812

from mtl_lessons.exercises.tools import (
    LOSS_WEIGHT_VARIANCES,
    TOOL_ANSWERS,
    check_jd_step,
    check_loss_weights,
    check_support_counts,
    check_tool_choices,
    support_counts_reference,
)

# ---------------------------------------------------------------- exercise 1: which tool


def test_tool_choices_right_wrong_and_unfinished():
    assert check_tool_choices(dict(TOOL_ANSWERS)).ok
    assert check_tool_choices({"sensors": " B ", "conflict": "c", "tensorflow": "D"}).ok
    assert "Not attempted yet" in str(check_tool_choices({k: ... for k in TOOL_ANSWERS}))
    assert "Not attempted yet" in str(check_tool_choices(...))
    partial = check_tool_choices({"sensors": "b", "conflict": ..., "tensorflow": "d"})
    assert not partial.ok and "'conflict' has no letter yet" in partial.message
    independent = check_tool_choices({**TOOL_ANSWERS, "sensors": "a"})
    assert not independent.ok and "independently" in independent.message
    libmtl = check_tool_choices({**TOOL_ANSWERS, "conflict": "e"})
    assert not libmtl.ok and "cuda:0" in libmtl.message
    keras = check_tool_choices({**TOOL_ANSWERS, "tensorflow": "c"})
    assert not keras.ok and "PyTorch" in keras.message
    assert "one letter" in check_tool_choices({**TOOL_ANSWERS, "sensors": "z"}).message
    assert "keys" in check_tool_choices({"sensors": "b"}).message
    assert "Give a dict" in check_tool_choices("b").message


def test_every_wrong_letter_has_its_own_feedback():
    for need, right in TOOL_ANSWERS.items():
        for letter in "abcde":
            if letter != right:
                feedback = check_tool_choices({**TOOL_ANSWERS, need: letter})
                assert not feedback.ok and f"({letter}) does not fit" in feedback.message


# ---------------------------------------------------------------- exercise 2: loss_weights


def test_loss_weights_right_wrong_and_unfinished():
    right = {name: 1 / variance for name, variance in LOSS_WEIGHT_VARIANCES.items()}
    assert check_loss_weights(right).ok
    assert check_loss_weights({"rating": 0.8333333, "watch_minutes": 0.00111111}).ok
    assert "Not attempted yet" in str(check_loss_weights(...))
    assert "divide" in check_loss_weights(dict(LOSS_WEIGHT_VARIANCES)).message
    std = {name: variance ** -0.5 for name, variance in LOSS_WEIGHT_VARIANCES.items()}
    assert "standard deviation" in check_loss_weights(std).message
    assert "swapped" in check_loss_weights({"rating": 1 / 900, "watch_minutes": 1 / 1.2}).message
    scaled = {name: 10 * value for name, value in right.items()}
    assert "ratio" in check_loss_weights(scaled).message
    assert "names of the model's outputs" in check_loss_weights({"task1": 1.0, "task2": 1.0}).message
    assert "dict" in check_loss_weights([1 / 1.2, 1 / 900]).message
    assert "number" in check_loss_weights({"rating": "x", "watch_minutes": 1.0}).message
    assert "positive" in check_loss_weights({"rating": -1.0, "watch_minutes": 1.0}).message


# ---------------------------------------------------------------- exercise 3: support counts


def right_counts(coef):
    used = np.asarray(coef) != 0
    return int(used.any(axis=0).sum()), int(used.all(axis=0).sum())


def test_support_counts_reference():
    coef = np.array([[1.0, 0.0, -2.0], [0.5, 0.0, 0.0]])
    assert support_counts_reference(coef) == (2, 1)


def test_support_counts_right_wrong_and_unfinished():
    assert check_support_counts(right_counts).ok

    def stub(coef):
        raise NotImplementedError

    assert "Not attempted yet" in str(check_support_counts(stub))
    swapped = check_support_counts(lambda c: right_counts(c)[::-1])
    assert not swapped.ok and "swapped" in swapped.message
    axis = check_support_counts(lambda c: right_counts(np.asarray(c).T))
    assert not axis.ok and "wrong axis" in axis.message
    positive = check_support_counts(lambda c: (int((c > 0).any(0).sum()), int((c > 0).all(0).sum())))
    assert not positive.ok and "coef != 0" in positive.message
    assert "two whole numbers" in check_support_counts(lambda c: "many").message
    assert "two whole numbers" in check_support_counts(lambda c: (1.5, 2)).message
    assert "raised" in check_support_counts(lambda c: 1 / 0).message
    assert check_support_counts(lambda c: tuple(np.int64(v) for v in right_counts(c))).ok


# ---------------------------------------------------------------- exercise 4: a torchjd step


def right_step(model, optimizer, x, y, aggregator):
    from torchjd.autojac import jac_to_grad, mtl_backward

    features = model.trunk(x)
    losses = [F.mse_loss(head(features).squeeze(-1), y[t]) for t, head in model.heads.items()]
    optimizer.zero_grad()
    mtl_backward(losses, features=features)
    jac_to_grad(list(model.trunk.parameters()), aggregator)
    optimizer.step()


def summed_step(model, optimizer, x, y, aggregator):
    outputs = model(x)
    loss = sum(F.mse_loss(outputs[t], y[t]) for t in y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def without_jac_to_grad(model, optimizer, x, y, aggregator):
    from torchjd.autojac import mtl_backward

    features = model.trunk(x)
    losses = [F.mse_loss(head(features).squeeze(-1), y[t]) for t, head in model.heads.items()]
    optimizer.zero_grad()
    mtl_backward(losses, features=features)
    optimizer.step()


def every_parameter(model, optimizer, x, y, aggregator):
    from torchjd.autojac import backward, jac_to_grad

    outputs = model(x)
    optimizer.zero_grad()
    backward([F.mse_loss(outputs[t], y[t]) for t in y])
    jac_to_grad(list(model.parameters()), aggregator)
    optimizer.step()


def test_jd_step_right_wrong_and_unfinished():
    import torch

    before = torch.random.get_rng_state()
    assert check_jd_step(right_step).ok
    assert torch.equal(before, torch.random.get_rng_state())  # the checker leaves the caller's stream alone

    def stub(model, optimizer, x, y, aggregator):
        raise NotImplementedError

    assert "Not attempted yet" in str(check_jd_step(stub))
    assert "plain back-propagation" in check_jd_step(summed_step).message
    assert "trunk did not" in check_jd_step(without_jac_to_grad).message
    assert "every parameter" in check_jd_step(every_parameter).message
    assert "No parameter changed" in check_jd_step(lambda *args: None).message
    assert "raised" in check_jd_step(lambda *args: 1 / 0).message
