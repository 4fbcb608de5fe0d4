"""The checkers of the PyTorch chapter: right, wrong and unfinished answers."""

import math

import pytest
import torch
from torch import nn

from mtl_lessons.exercises.pytorch import (
    DIAGNOSIS,
    check_diagnosis,
    check_partial_sharing,
    check_softmax_floor,
)
from mtl_lessons.torch import HardSharingNet


def stub(*args):
    raise NotImplementedError


# Exercise 1 ------------------------------------------------------------------------------------


def test_softmax_floor_right_answer_and_its_measurement():
    expected = math.log(1 + 18 / math.e)
    assert check_softmax_floor(expected)
    assert check_softmax_floor(round(expected, 3))
    probabilities = torch.nn.functional.one_hot(torch.tensor([4]), 19).float()  # a perfect prediction
    measured = torch.nn.functional.cross_entropy(probabilities, torch.tensor([4])).item()
    assert measured == pytest.approx(expected, abs=1e-5)
    assert check_softmax_floor(measured)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (math.log(19), "uniform prediction"),
        (0.0, "floor when the loss receives logits"),
        (math.log(1 + 9 / math.e), "floor for 10 classes"),
        (math.log(1 + 17 / math.e), "floor for 18 classes"),
        (3.5, "too large"),
        (1.0, "too small"),
    ],
)
def test_softmax_floor_wrong_answers_get_a_hint(wrong, hint):
    feedback = check_softmax_floor(wrong)
    assert not feedback and hint in str(feedback)


def test_softmax_floor_unfinished_and_malformed_answers():
    assert "Not attempted yet" in str(check_softmax_floor(...))
    assert "Not attempted yet" in str(check_softmax_floor(None))
    feedback = check_softmax_floor("two")
    assert not feedback and "should be a number" in str(feedback)


# Exercise 2 ------------------------------------------------------------------------------------


class PartialSharing(nn.Module):
    def __init__(self, input_shape, heads, head_width=32, shared=True):
        super().__init__()
        n_in = math.prod(input_shape)
        self.trunk = nn.Sequential(nn.Flatten(), nn.Linear(n_in, 64), nn.ReLU())
        self.shared = shared
        if not shared:
            self.trunks = nn.ModuleDict({t: nn.Sequential(nn.Flatten(), nn.Linear(n_in, 64), nn.ReLU())
                                         for t in heads})
        self.heads = nn.ModuleDict({t: nn.Sequential(nn.Linear(64, head_width), nn.ReLU(),
                                                     nn.Linear(head_width, u)) for t, u in heads.items()})

    def forward(self, x):
        if self.shared:
            h = self.trunk(x)
            return {t: head(h) for t, head in self.heads.items()}
        return {t: head(self.trunks[t](x)) for t, head in self.heads.items()}


def test_partial_sharing_accepts_a_correct_model_and_the_package_equivalent():
    assert check_partial_sharing(lambda shape, heads: PartialSharing(shape, heads))
    feedback = check_partial_sharing(
        lambda shape, heads: HardSharingNet(shape, heads, hidden=(64, 32), shared_layers=1))
    assert feedback and "15,783 parameters" in str(feedback)


def test_partial_sharing_unfinished():
    assert "Not attempted yet" in str(check_partial_sharing(stub))
    assert "Not attempted yet" in str(check_partial_sharing(...))


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda s, h: "model", "should return an nn.Module"),
        (lambda s, h: nn.Sequential(nn.Flatten(), nn.Linear(math.prod(s), 10)), "should return a dict"),
        (lambda s, h: PartialSharing(s, {k: v for k, v in list(h.items())[:1]}), "expected one per task"),
        (lambda s, h: PartialSharing(s, {k: v + 1 for k, v in h.items()}), "should output shape"),
        (lambda s, h: PartialSharing(s, h, shared=False), "nothing is shared"),
        (lambda s, h: HardSharingNet(s, h, hidden=(64,), shared_layers=1), "tensor(s) of its own"),
        (lambda s, h: PartialSharing(s, h, head_width=16), "Check the layer widths"),
        (lambda s, h: PartialSharing((4, 4), h), "Your code raised RuntimeError"),
        ("not a function", "pass the function build_model"),
    ],
)
def test_partial_sharing_wrong_models_are_told_what_is_wrong(build, message):
    feedback = check_partial_sharing(build)
    assert not feedback and message in str(feedback), str(feedback)


def test_partial_sharing_rejects_a_model_hard_coded_for_the_digit_pairs():
    def hard_coded(shape, heads):
        return PartialSharing((8, 16), {"left": 10, "right": 10, "sum": 19})

    feedback = check_partial_sharing(hard_coded)
    assert not feedback and "not for other inputs and heads" in str(feedback)
    assert "your code raised RuntimeError" in str(feedback)


# Exercise 3 ------------------------------------------------------------------------------------


def test_diagnosis_right_answer_in_several_spellings():
    assert check_diagnosis(DIAGNOSIS)
    assert check_diagnosis({str(k): v.upper() for k, v in DIAGNOSIS.items()})


def test_diagnosis_wrong_and_unfinished_answers():
    assert "Not attempted yet" in str(check_diagnosis({n: ... for n in range(1, 6)}))
    assert "Not attempted yet" in str(check_diagnosis(...))
    partly = dict(DIAGNOSIS) | {2: ...}
    assert not check_diagnosis(partly) and "symptom(s) [2] have no letter" in str(check_diagnosis(partly))
    swapped = dict(DIAGNOSIS) | {1: DIAGNOSIS[3], 3: DIAGNOSIS[1]}
    feedback = check_diagnosis(swapped)
    assert not feedback and "3 of 5 right" in str(feedback) and "[1, 3]" in str(feedback)
    assert "no answer for symptom(s) [5]" in str(check_diagnosis({n: "a" for n in range(1, 5)}))
    assert "there is no symptom [6]" in str(check_diagnosis(dict(DIAGNOSIS) | {6: "a"}))
    assert "use one of the letters" in str(check_diagnosis(dict(DIAGNOSIS) | {4: "z"}))
    assert "not a symptom number" in str(check_diagnosis({"one": "a"}))
    assert "should be a dict" in str(check_diagnosis(["a", "c", "e", "b", "d"]))
