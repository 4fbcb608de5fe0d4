"""The Keras side: models, losses, uncertainty weighting, and parity with PyTorch."""

import numpy as np
import pytest

keras_mtl = pytest.importorskip("mtl_lessons.keras")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
import torch  # noqa: E402

from mtl_lessons.data import digit_pairs, related_tasks  # noqa: E402
from mtl_lessons.keras.parity import copy_weights_from_torch, max_weight_difference  # noqa: E402
from mtl_lessons.torch import HardSharingNet as TorchHardSharingNet  # noqa: E402
from mtl_lessons.torch import task_loss  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    return digit_pairs(n_train=64, n_val=16, n_test=16, tasks=("left", "right", "sum"), seed=0)


@pytest.mark.parametrize("shared", [0, 1, 2])
def test_keras_hard_sharing_mirrors_the_torch_architecture(digits, shared):
    torch_model = TorchHardSharingNet(digits.input_shape, digits.output_sizes(), (16, 8), shared)
    keras_model = keras_mtl.HardSharingNet(digits.input_shape, digits.output_sizes(), (16, 8), shared)
    assert keras_model.count_params() == sum(p.numel() for p in torch_model.parameters())
    assert sorted(keras_model.output_names) == sorted(digits.tasks)
    out = keras_model(digits.train.x[:5])
    assert out["sum"].shape == (5, 19)


@pytest.mark.parametrize("shared", [0, 1, 2])
def test_parity_forward_losses_and_one_sgd_step(digits, shared):
    """Same architecture, same weights, same batch: same outputs, losses, and updated weights."""
    torch.manual_seed(0)
    heads = {"left": 10, "right": 10, "sum": 19}
    torch_model = TorchHardSharingNet(digits.input_shape, heads, (16, 8), shared)
    keras_model = keras_mtl.HardSharingNet(digits.input_shape, heads, (16, 8), shared)
    copy_weights_from_torch(torch_model, keras_model)
    assert max_weight_difference(torch_model, keras_model) == 0.0

    x, y = digits.train.x[:32], {t: digits.train.y[t][:32] for t in heads}
    alpha = {"left": 1.0, "right": 0.5, "sum": 0.25}
    torch_out = torch_model(torch.as_tensor(x))
    keras_out = keras_model(x)
    losses_fn = keras_mtl.task_losses(digits.kinds)
    for t in heads:
        np.testing.assert_allclose(torch_out[t].detach().numpy(), keras_out[t].numpy(), atol=1e-5)
        torch_loss = task_loss(torch_out[t], torch.as_tensor(y[t]), "classification").item()
        assert abs(torch_loss - float(losses_fn[t](y[t], keras_out[t]))) < 1e-5

    # one SGD step on sum_i alpha_i L_i in each framework
    optimizer = torch.optim.SGD(torch_model.parameters(), lr=0.1)
    total = sum(alpha[t] * task_loss(torch_out[t], torch.as_tensor(y[t]), "classification") for t in heads)
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    keras_mtl.compile_mtl(keras_model, digits.kinds, alpha=alpha, optimizer=keras.optimizers.SGD(0.1))
    keras_model.train_on_batch(x, y)
    assert max_weight_difference(torch_model, keras_model) < 1e-5


def test_compile_and_fit_with_loss_weights(digits):
    model = keras_mtl.HardSharingNet(digits.input_shape, digits.output_sizes(), (16,))
    keras_mtl.compile_mtl(model, digits.kinds, alpha={"left": 1.0, "right": 0.5, "sum": 0.0})
    history = model.fit(digits.train.x, keras_mtl.split_targets(digits.train, digits.tasks),
                        epochs=2, verbose=0)
    logs = {k: v[-1] for k, v in history.history.items()}
    assert {"left_accuracy", "right_accuracy", "sum_accuracy"} <= set(logs)
    assert logs["loss"] == pytest.approx(logs["left_loss"] + 0.5 * logs["right_loss"], rel=1e-3)


def test_task_name_mismatch_names_both_sets(digits):
    model = keras_mtl.HardSharingNet(digits.input_shape, {"left": 10, "other": 10}, (8,))
    with pytest.raises(ValueError, match=r"outputs \['left', 'other'\] do not match the tasks "
                                         r"\['left', 'right', 'sum'\]"):
        keras_mtl.compile_mtl(model, digits.kinds)
    with pytest.raises(ValueError, match=r"no targets for \['other'\]"):
        keras_mtl.split_targets(digits.train, ("left", "other"))


def test_soft_sharing_adds_the_coupling_loss(digits):
    model = keras_mtl.SoftSharingNet(digits.input_shape, {"left": 10, "right": 10}, (8,), lam=0.5)
    model(digits.train.x[:4])
    assert len(model.losses) == 1
    assert float(model.losses[0]) == pytest.approx(0.5 * float(model.coupling()), rel=1e-5)
    with pytest.raises(ValueError, match="lam must be >= 0.0"):
        keras_mtl.SoftSharingNet(digits.input_shape, {"left": 10}, (8,), lam=-1.0)


def test_uncertainty_weighting_learns_smaller_weight_for_the_noisier_task():
    data = related_tasks(n_train=512, dim=8, p=0.5, noise_std=0.1, seed=0)
    noise = np.random.default_rng(0).normal(0, 3.0, len(data.train)).astype(np.float32)
    data.train.y["task2"] = data.train.y["task2"] + noise
    keras.utils.set_random_seed(0)  # the model's initial weights
    model = keras_mtl.HardSharingNet(data.input_shape, data.output_sizes(), (16,))
    history, weighting = keras_mtl.fit_uncertainty(model, data, epochs=15, learning_rate=1e-2)
    weights = weighting.weights_now()
    assert weights["task2"] < 0.6 * weights["task1"]
    # both weights started at 0.5 and moved toward their optimum 0.5 / L_t
    assert history["weight"]["task2"][0] > history["weight"]["task2"][-1]
    assert history["loss"]["task2"][-1] > history["loss"]["task1"][-1]


def test_importing_keras_part_sets_quiet_logs():
    import os

    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    assert tf.config.threading.get_intra_op_parallelism_threads() >= 1
