"""MMoE and OMoE: shapes, gates, shared parameters, argument errors, and the Keras twin's parity."""

import numpy as np
import pytest
import torch
from torch import nn

from mtl_lessons.data import related_tasks
from mtl_lessons.torch import HardSharingNet, MMoENet, OMoENet, count_parameters, evaluate, fit
from mtl_lessons.torch.models.common import mlp
from mtl_lessons.torch.models.mmoe import ExpertBank

HEADS = {"task1": 1, "task2": 1}


@pytest.fixture(scope="module")
def small():
    return related_tasks(n_train=200, n_val=50, n_test=100, dim=10, p=0.5, seed=0)


def test_outputs_gates_and_shapes():
    torch.manual_seed(0)
    model = MMoENet(100, {"reg": 1, "cls": 3}, n_experts=5, expert_hidden=(16, 4), tower_hidden=(8, 6))
    x = torch.randn(7, 100)
    out = model(x)
    assert out["reg"].shape == (7,) and out["cls"].shape == (7, 3)
    assert set(model(x, task="cls")) == {"cls"}
    gates = model.gate_weights(x)
    assert set(gates) == {"reg", "cls"}
    for g in gates.values():
        assert g.shape == (7, 5) and not g.requires_grad
        torch.testing.assert_close(g.sum(1), torch.ones(7))
    assert not torch.allclose(gates["reg"], gates["cls"])  # one gate per task


def test_omoe_has_one_gate_and_shares_it():
    torch.manual_seed(0)
    omoe, mmoe = OMoENet(100, HEADS), MMoENet(100, HEADS)
    gates = omoe.gate_weights(torch.randn(4, 100))
    torch.testing.assert_close(gates["task1"], gates["task2"])
    shared_omoe = {id(p) for p in omoe.shared_parameters()}
    shared_mmoe = {id(p) for p in mmoe.shared_parameters()}
    assert {id(p) for p in omoe.gates.parameters()} <= shared_omoe
    assert shared_mmoe == {id(p) for p in mmoe.experts.parameters()}
    assert isinstance(omoe, MMoENet) and omoe.gates_mode == "one"


def test_parameter_counts_of_the_papers_sizes():
    # experts 8 x (100 x 16 + 16), gates 2 x 100 x 8 (no bias), towers 2 x (16 x 8 + 8 + 8 + 1)
    assert count_parameters(MMoENet(100, HEADS)) == 12928 + 1600 + 290 == 14818
    assert count_parameters(OMoENet(100, HEADS)) == 12928 + 800 + 290 == 14018
    # the shared bottom of the chapter: 120 units, one tower of 8 per task
    assert count_parameters(HardSharingNet(100, HEADS, hidden=(120, 8), shared_layers=1)) == 14074


def test_expert_bank_equals_separate_mlps():
    torch.manual_seed(0)
    bank = ExpertBank(3, [6, 5, 4])
    x = torch.randn(9, 6)
    out = bank(x)
    assert out.shape == (9, 3, 4)
    for e in range(3):
        expert = nn.Sequential(*mlp([6, 5, 4]))
        with torch.no_grad():
            for layer, weight, bias in zip(expert[::2], bank.weights, bank.biases, strict=True):
                layer.weight.copy_(weight[e].T)
                layer.bias.copy_(bias[e])
        torch.testing.assert_close(out[:, e], expert(x))


def test_forward_is_the_gated_mixture():
    torch.manual_seed(1)
    model = MMoENet(10, HEADS, n_experts=4)
    x = torch.randn(5, 10)
    experts = model.experts(x)
    gate = torch.softmax(x @ model.gates["task2"].weight.T, dim=-1)
    mixture = (gate[:, :, None] * experts).sum(1)
    torch.testing.assert_close(model(x)["task2"], model.towers["task2"](mixture).squeeze(-1))


@pytest.mark.parametrize(("kwargs", "error", "text"), [
    ({"n_experts": 0}, ValueError, "n_experts"),
    ({"n_experts": 2.5}, TypeError, "n_experts"),
    ({"expert_hidden": ()}, ValueError, "at least"),
    ({"expert_hidden": 16}, TypeError, "expert_hidden must be a sequence"),
    ({"tower_hidden": (0,)}, ValueError, "tower_hidden width must be >= 1"),
    ({"gates": "two"}, ValueError, "gates"),
])
def test_argument_errors(kwargs, error, text):
    with pytest.raises(error, match=text):
        MMoENet(10, HEADS, **kwargs)


def test_input_and_task_errors():
    model = MMoENet(10, HEADS)
    with pytest.raises(ValueError, match="10 features"):
        model(torch.randn(3, 11))
    with pytest.raises(ValueError, match="unknown task"):
        model(torch.randn(3, 10), task="task3")
    with pytest.raises(ValueError, match="10 features"):
        model.gate_weights(torch.randn(3, 12))


def test_trains_with_fit_and_no_tower_layers(small):
    torch.manual_seed(0)
    model = MMoENet(small.input_shape, small.output_sizes(), n_experts=3, expert_hidden=(8,), tower_hidden=())
    before = evaluate(model, small)
    fit(model, small, epochs=20, batch_size=50, lr=1e-2, progress=False, seed=0)
    after = evaluate(model, small)
    assert all(after[t] < before[t] for t in small.tasks)


# The Keras twin -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras_mtl():
    return pytest.importorskip("mtl_lessons.keras")


def _copy_torch_to_keras(torch_model, keras_model):
    """Put the torch model's weights into the Keras twin (Dense kernels are transposed)."""
    for k, (w, b) in enumerate(zip(torch_model.experts.weights, torch_model.experts.biases, strict=True)):
        keras_model.experts.kernels[k].assign(w.detach().numpy())
        keras_model.experts.biases[k].assign(b.detach().numpy())
    for name, gate in torch_model.gates.items():
        keras_model.gates[name].kernel.assign(gate.weight.detach().numpy().T)
    for task, tower in torch_model.towers.items():
        linears = [m for m in tower if isinstance(m, nn.Linear)]
        layers = [*keras_model.towers[task], keras_model.outputs_[task]]
        for layer, linear in zip(layers, linears, strict=True):
            layer.kernel.assign(linear.weight.detach().numpy().T)
            layer.bias.assign(linear.bias.detach().numpy())


@pytest.mark.parametrize("gates", ["per_task", "one"])
def test_keras_twin_counts_and_outputs_match_torch(keras_mtl, gates):
    heads = {"reg": 1, "cls": 3}
    torch.manual_seed(0)
    sizes = {"n_experts": 4, "expert_hidden": (6, 5), "tower_hidden": (3,), "gates": gates}
    torch_model = MMoENet(12, heads, **sizes)
    keras_model = keras_mtl.MMoENet(12, heads, **sizes)
    assert keras_mtl.count_parameters(keras_model) == count_parameters(torch_model)
    _copy_torch_to_keras(torch_model, keras_model)
    x = np.random.default_rng(0).standard_normal((5, 12)).astype(np.float32)
    torch_out, keras_out = torch_model(torch.as_tensor(x)), keras_model(x)
    for task in heads:
        np.testing.assert_allclose(keras_out[task].numpy(), torch_out[task].detach().numpy(), atol=1e-5)
    keras_gates, torch_gates = keras_model.gate_weights(x), torch_model.gate_weights(torch.as_tensor(x))
    for task in heads:
        assert isinstance(keras_gates[task], np.ndarray) and keras_gates[task].shape == (5, 4)
        np.testing.assert_allclose(keras_gates[task], torch_gates[task].numpy(), atol=1e-6)


def test_keras_papers_sizes_and_omoe(keras_mtl):
    assert keras_mtl.count_parameters(keras_mtl.MMoENet(100, HEADS)) == 14818
    omoe = keras_mtl.OMoENet(100, HEADS)
    assert keras_mtl.count_parameters(omoe) == 14018
    gates = omoe.gate_weights(np.ones((2, 100), dtype=np.float32))
    np.testing.assert_allclose(gates["task1"], gates["task2"])
    with pytest.raises(ValueError, match="gates"):
        keras_mtl.MMoENet(100, HEADS, gates="each")
    with pytest.raises(ValueError, match="at least"):
        keras_mtl.MMoENet(100, HEADS, expert_hidden=())


def test_keras_twin_trains_with_the_books_fit(keras_mtl, small):
    model = keras_mtl.MMoENet(small.input_shape, small.output_sizes(), n_experts=3, expert_hidden=(8,))
    before = keras_mtl.evaluate(model, small)
    keras_mtl.fit(model, small, epochs=10, batch_size=100, lr=1e-2, progress=False, seed=0)
    after = keras_mtl.evaluate(model, small)
    assert all(after[t] < before[t] for t in small.tasks)
