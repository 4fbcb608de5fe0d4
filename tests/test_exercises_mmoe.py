"""The checkers of the MMoE chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import matthews_corrcoef

from mtl_lessons.exercises.mmoe import (
    COUNT_SETTING,
    GATE_MEANS,
    check_architecture_choice,
    check_binary_correlation,
    check_gate_distance,
    check_mmoe_mixture,
    check_mmoe_parameters,
    check_one_expert,
    loss_verdict,
    mixture_reference,
    mmoe_parameter_count,
    phi_coefficient,
    shared_bottom_count,
    total_variation,
)
from mtl_lessons.torch import HardSharingNet, MMoENet, OMoENet, count_parameters

# ---------------------------------------------------------------- exercise 1: a mixture by hand


def right_mixture(experts, logits):
    weights = np.exp(logits - np.max(logits))
    return (weights / weights.sum()) @ experts


def test_mixture_reference_equals_the_torch_model():
    torch.manual_seed(0)
    model = MMoENet(6, {"a": 1, "b": 1}, n_experts=3, expert_hidden=(4,))
    x = torch.randn(1, 6)
    experts = model.experts(x)[0].detach().numpy()
    logits = (x @ model.gates["b"].weight.T)[0].detach().numpy()
    gate = model.gate_weights(x)["b"][0].numpy()
    np.testing.assert_allclose(mixture_reference(experts, logits), gate @ experts, rtol=1e-5)


def test_mixture_right_wrong_and_unfinished():
    assert check_mmoe_mixture(right_mixture).ok

    def unfinished(experts, logits):
        raise NotImplementedError

    assert "Not attempted yet" in check_mmoe_mixture(unfinished).message
    assert "Not attempted yet" in check_mmoe_mixture(None).message
    assert "Not attempted yet" in check_mmoe_mixture(...).message
    assert "softmax" in check_mmoe_mixture(lambda f, z: z @ f).message
    assert "divided the logits" in check_mmoe_mixture(lambda f, z: (z / z.sum()) @ f).message
    assert "plain average" in check_mmoe_mixture(lambda f, z: f.mean(0)).message
    assert "largest logit" in check_mmoe_mixture(lambda f, z: f[np.argmax(z)]).message
    assert "gate weights" in check_mmoe_mixture(lambda f, z: np.exp(z) / np.exp(z).sum()).message
    assert "number" in check_mmoe_mixture(lambda f, z: "mixture").message

    def crashes(experts, logits):
        raise ZeroDivisionError("oops")

    assert "ZeroDivisionError" in check_mmoe_mixture(crashes).message


# ---------------------------------------------------------------- exercise 2: parameter counts


def test_counts_equal_the_package_models():
    s = COUNT_SETTING
    heads = {f"t{k}": 1 for k in range(s["tasks"])}
    sizes = {"n_experts": s["n_experts"], "expert_hidden": (s["expert_units"],),
             "tower_hidden": (s["tower_units"],)}
    assert mmoe_parameter_count(**s) == count_parameters(MMoENet(s["inputs"], heads, **sizes)) == 1503
    assert mmoe_parameter_count(**s, gates=1) == count_parameters(OMoENet(s["inputs"], heads, **sizes))
    for width in (10, 37, 38):
        model = HardSharingNet(s["inputs"], heads, hidden=(width, s["tower_units"]), shared_layers=1)
        expected = shared_bottom_count(s["inputs"], width, s["tower_units"], s["tasks"])
        assert expected == count_parameters(model)


def test_parameters_right_wrong_and_unfinished():
    assert check_mmoe_parameters(1503, 37).ok
    assert check_mmoe_parameters(1503.0, "37").ok
    assert "Not attempted yet" in check_mmoe_parameters(..., ...).message
    assert "Not attempted yet" in check_mmoe_parameters(1503, None).message
    assert "OMoE" in check_mmoe_parameters(1503 - 160, 37).message
    assert "left out the gates" in check_mmoe_parameters(1503 - 240, 37).message
    assert "no bias" in check_mmoe_parameters(1503 + 12, 37).message
    assert "biases too" in check_mmoe_parameters(1503 - 48, 37).message
    assert "tower" in check_mmoe_parameters(1503 - 21, 37).message
    assert "n_experts experts" in check_mmoe_parameters(1503 - 3 * 252, 37).message
    assert "not the count" in check_mmoe_parameters(1000, 37).message
    assert "only the bottom layer" in check_mmoe_parameters(1503, 71).message
    assert "only the bottom layer" in check_mmoe_parameters(1503, 72).message
    assert "round down" in check_mmoe_parameters(1503, 38).message
    assert "largest whole u" in check_mmoe_parameters(1503, 20).message
    assert "number" in check_mmoe_parameters("many", 37).message


# ---------------------------------------------------------------- exercise 3: gate distance


def test_gate_distance_right_wrong_and_unfinished():
    a, b = GATE_MEANS["task1"], GATE_MEANS["task2"]
    assert np.isclose(a.sum(), 1) and np.isclose(b.sum(), 1)
    assert np.isclose(total_variation(a, b), 0.65)
    assert check_gate_distance(0.65, [2, 3]).ok
    assert check_gate_distance(0.65, np.array([3, 2])).ok
    assert "Not attempted yet" in check_gate_distance(..., [2, 3]).message
    assert "1/2" in check_gate_distance(1.3, [2, 3]).message
    assert "Euclidean" in check_gate_distance(float(np.linalg.norm(a - b)), [2, 3]).message
    assert "(1/2) sum_i" in check_gate_distance(0.5, [2, 3]).message
    assert "*both*" in check_gate_distance(0.65, [0, 1, 2, 3]).message
    assert "expert indices" in check_gate_distance(0.65, "two and three").message


# ---------------------------------------------------------------- exercise 4: design question


@pytest.mark.parametrize(("letter", "text"), [("a", "not ahead"), ("c", "one gate"), ("d", "weak guide")])
def test_architecture_wrong_letters_get_their_reason(letter, text):
    feedback = check_architecture_choice(letter)
    assert not feedback.ok and text in feedback.message


def test_architecture_right_and_unfinished():
    assert check_architecture_choice("b").ok
    assert check_architecture_choice(" B ").ok
    assert "Not attempted yet" in check_architecture_choice(...).message
    assert "one letter" in check_architecture_choice("e").message


# ---------------------------------------------------------------- exercise 5: correlation from a table


def expanded_labels(counts):
    """The 0/1 labels of both tasks, one pair per example, that a 2 x 2 table of counts describes."""
    pairs = [(a, b) for a in (0, 1) for b in (0, 1) for _ in range(int(counts[a][b]))]
    return np.array(pairs).T


@pytest.mark.parametrize("counts", [[[40, 10], [10, 40]], [[5, 45], [30, 20]], [[12, 6], [8, 4]],
                                    [[900, 950], [120, 30]], [[1, 2], [3, 4]]])
def test_phi_coefficient_equals_pearson_and_matthews(counts):
    first, second = expanded_labels(counts)
    assert np.isclose(phi_coefficient(counts), np.corrcoef(first, second)[0, 1])
    assert np.isclose(phi_coefficient(counts), matthews_corrcoef(first, second))


def test_phi_coefficient_refuses_bad_tables():
    with pytest.raises(ValueError, match="2 x 2"):
        phi_coefficient([1, 2, 3, 4])
    with pytest.raises(ValueError, match=">= 0"):
        phi_coefficient([[1, -2], [3, 4]])
    with pytest.raises(ValueError, match="NaN"):
        phi_coefficient([[1, np.nan], [3, 4]])
    with pytest.raises(ValueError, match="constant label"):
        phi_coefficient([[0, 0], [3, 4]])


def test_binary_correlation_right_wrong_and_unfinished():
    def right(counts):
        (n00, n01), (n10, n11) = counts
        return (n11 * n00 - n10 * n01) / np.sqrt((n10 + n11) * (n00 + n01) * (n01 + n11) * (n00 + n10))

    assert check_binary_correlation(right).ok
    assert check_binary_correlation(lambda c: float(np.corrcoef(*expanded_labels(c))[0, 1])).ok

    def unfinished(counts):
        raise NotImplementedError

    assert "Not attempted yet" in check_binary_correlation(unfinished).message
    assert "Not attempted yet" in check_binary_correlation(None).message
    assert "keeps its sign" in check_binary_correlation(lambda c: abs(right(c))).message
    assert "r squared" in check_binary_correlation(lambda c: right(c) ** 2).message
    covariance = lambda c: c[1][1] / c.sum() - c[1].sum() * c[:, 1].sum() / c.sum() ** 2  # noqa: E731
    assert "covariance" in check_binary_correlation(covariance).message
    assert "square root" in check_binary_correlation(
        lambda c: right(c) / np.sqrt(c.sum(1).prod() * c.sum(0).prod())).message
    assert "odds ratio" in check_binary_correlation(lambda c: c[1][1] * c[0][0] / (c[1][0] * c[0][1])).message
    assert "the correlation is" in check_binary_correlation(lambda c: 0.5).message
    assert "should be a number" in check_binary_correlation(lambda c: "weak").message


# ---------------------------------------------------------------- exercise 6: MMoE with one expert


def test_one_expert_gates_are_exactly_one_and_its_gate_never_learns():
    torch.manual_seed(0)
    model = MMoENet(5, {"a": 1, "b": 1}, n_experts=1, expert_hidden=(4,), tower_hidden=(3,))
    x = torch.randn(7, 5)
    assert all(torch.equal(g, torch.ones(7, 1)) for g in model.gate_weights(x).values())
    sum(out.sum() for out in model(x).values()).backward()
    gate_grads = [p.grad for name, p in model.named_parameters() if "gate" in name]
    assert gate_grads and all(g is None or float(g.abs().max()) == 0.0 for g in gate_grads)


def test_one_expert_prediction_right_wrong_and_unfinished():
    ones = {"task1": np.ones((4, 1)), "task2": np.ones((4, 1))}
    assert loss_verdict(0.5, 0.1) == "higher" and loss_verdict(0.1, 0.5) == "lower"
    assert loss_verdict(0.105, 0.1) == "about the same"
    assert check_one_expert(1.0, "higher", 0.5, 0.1, ones).ok
    assert check_one_expert(1, " Higher ", 0.5, 0.1, ones).ok
    assert "Not attempted yet" in check_one_expert(..., "higher", 0.5, 0.1, ones).message
    assert "Not attempted yet" in check_one_expert(1.0, ..., 0.5, 0.1, ones).message
    uniform = check_one_expert(1 / 8, "higher", 0.5, 0.1, ones)
    assert not uniform.ok and "single logit" in uniform.message
    assert not check_one_expert(0.5, "higher", 0.5, 0.1, ones).ok
    wrong = check_one_expert(1.0, "about the same", 0.5, 0.1, ones)
    assert not wrong.ok and "0.500 against 0.100" in wrong.message
    assert "Predict with one of" in check_one_expert(1.0, "worse", 0.5, 0.1, ones).message
