"""The Keras side: models, losses, uncertainty weighting, and parity with PyTorch."""

import numpy as np
import pytest

keras_mtl = pytest.importorskip("mtl_lessons.keras")
import keras  # noqa: E402
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
    keras_mtl.compile_mtl(keras_model, digits.kinds, alpha=alpha, optimizer="sgd", lr=0.1)
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


def test_compile_mtl_names_alpha_in_its_errors(digits):
    model = keras_mtl.HardSharingNet(digits.input_shape, digits.output_sizes(), (8,))
    with pytest.raises(ValueError, match=r"alpha names unknown tasks \['nope'\]; the tasks are"):
        keras_mtl.compile_mtl(model, digits.kinds, alpha={"nope": 1.0})
    with pytest.raises(ValueError, match=r"alpha\['left'\] must be >= 0.0"):
        keras_mtl.compile_mtl(model, digits.kinds, alpha={"left": -1.0})


@pytest.mark.parametrize(("build", "argument"), [
    (lambda hidden: keras_mtl.HardSharingNet(5, {"a": 1}, hidden=hidden), "hidden"),
    (lambda hidden: keras_mtl.SoftSharingNet(5, {"a": 1}, hidden=hidden), "hidden"),
    (lambda hidden: keras_mtl.MMoENet(5, {"a": 1}, expert_hidden=hidden), "expert_hidden"),
    (lambda hidden: keras_mtl.MMoENet(5, {"a": 1}, tower_hidden=hidden), "tower_hidden"),
    (lambda hidden: keras_mtl.OMoENet(5, {"a": 1}, expert_hidden=hidden), "expert_hidden"),
    (lambda hidden: keras_mtl.OMoENet(5, {"a": 1}, tower_hidden=hidden), "tower_hidden"),
])
def test_every_keras_model_says_what_its_layer_widths_must_be(build, argument):
    expected = rf"^{argument} must be a sequence of layer widths such as \(64, 64\); got 8"
    with pytest.raises(TypeError, match=expected):
        build(8)
    with pytest.raises(ValueError, match=rf"^{argument} width must be >= 1, got 0"):
        build((4, 0))


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
    weighting = keras_mtl.UncertaintyWeighting(data.kinds)
    history = keras_mtl.fit(model, data, epochs=15, lr=1e-2, weighting=weighting, progress=False)
    weights = weighting.weights_now()
    assert weights["task2"] < 0.6 * weights["task1"]
    # both weights started at 0.5 and moved toward their optimum 0.5 / L_t
    assert history.weights["task2"][0] > history.weights["task2"][-1]
    assert history.train_loss["task2"][-1] > history.train_loss["task1"][-1]


@pytest.mark.parametrize("make", [keras_mtl.FixedWeights,
                                  lambda: keras_mtl.UncertaintyWeighting({"a": "regression"})])
def test_keras_weightings_refuse_a_loss_that_is_not_a_scalar(make):
    expected = r"^losses\['a'\] must be a scalar, the batch's mean loss; got shape \(2,\)"
    with pytest.raises(ValueError, match=expected):
        make().combine({"a": keras.ops.ones((2,))})
    assert float(make().combine({"a": keras.ops.ones(())})[0]) > 0


def test_importing_the_keras_part_quiets_tensorflow_in_a_fresh_process():
    """Run where the variables are unset: the import itself must set them, before TensorFlow loads."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    code = ("import os, mtl_lessons.keras, tensorflow as tf; "
            "print(os.environ['TF_CPP_MIN_LOG_LEVEL'], os.environ['TF_ENABLE_ONEDNN_OPTS'], "
            "tf.config.threading.get_intra_op_parallelism_threads())")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["2", "0", "1"]
    assert "oneDNN custom operations" not in result.stderr


def test_the_same_names_and_numbers_as_the_torch_side():
    """mtl_loss, evaluate, count_parameters and regression outputs of shape (n,) agree across frameworks."""
    from mtl_lessons.torch import HardSharingNet as TorchNet
    from mtl_lessons.torch import count_parameters, evaluate, mtl_loss, to_tensors

    data = related_tasks(n_train=32, dim=5, p=0.5, n_val=16, n_test=16, seed=0)
    torch.manual_seed(0)
    torch_model = TorchNet(data.input_shape, data.output_sizes(), (8,))
    keras_model = keras_mtl.HardSharingNet(data.input_shape, data.output_sizes(), (8,))
    copy_weights_from_torch(torch_model, keras_model)
    assert keras_mtl.count_parameters(keras_model) == count_parameters(torch_model)
    out = keras_model(data.test.x)
    torch_out = torch_model(torch.as_tensor(data.test.x))
    assert tuple(out["task1"].shape) == tuple(torch_out["task1"].shape) == (16,)
    alpha = {"task1": 0.3, "task2": 2.0}
    x, y = to_tensors(data.test, data.kinds, "cpu")
    torch_total, _ = mtl_loss(torch_model(x), y, data.kinds, alpha)
    keras_total, _ = keras_mtl.mtl_loss(out, data.test.y, data.kinds, alpha)
    assert float(keras_total) == pytest.approx(torch_total.item(), rel=1e-5)
    expected = evaluate(torch_model, data, "test")
    assert keras_mtl.evaluate(keras_model, data, "test") == pytest.approx(expected, rel=1e-5)


def test_fit_history_and_errors(digits):
    model = keras_mtl.HardSharingNet(digits.input_shape, digits.output_sizes(), (8,))
    history = keras_mtl.fit(model, digits, epochs=2, eval_splits=("val", "test"), progress=False)
    assert history.epochs == [1, 2] and set(history.metrics) == {"val", "test"}
    assert all(len(v) == 2 for v in history.train_loss.values())
    assert history.weights["left"] == [1.0, 1.0]
    with pytest.raises(ValueError, match=r"weighting names unknown tasks \['nope'\]"):
        keras_mtl.fit(model, digits, weighting={"nope": 1.0}, progress=False)
    expected = r"^FixedWeights alpha names unknown tasks \['lfet'\]; the tasks are \['left', 'right', 'sum'\]"
    with pytest.raises(ValueError, match=expected):
        keras_mtl.fit(model, digits, weighting=keras_mtl.FixedWeights({"lfet": 2.0}), progress=False)
    with pytest.raises(ValueError, match="lr must be > 0.0"):
        keras_mtl.fit(model, digits, lr=0.0, progress=False)
    other = keras_mtl.HardSharingNet((4, 4), digits.output_sizes(), (8,))
    with pytest.raises(ValueError, match=r"inputs of shape \(4, 4\)"):
        keras_mtl.fit(other, digits, progress=False)


@pytest.mark.parametrize("model_class", ["MMoENet", "OMoENet", "SoftSharingNet", "HardSharingNet"])
def test_every_keras_model_checks_the_input_size_of_the_data(model_class):
    data = related_tasks(n_train=16, dim=5, p=0.5, n_val=8, n_test=8, seed=0)
    model = getattr(keras_mtl, model_class)(7, data.output_sizes())
    mismatch = r"^the model takes inputs of shape \(7,\), but the data's inputs have shape \(5,\)$"
    with pytest.raises(ValueError, match=mismatch):
        keras_mtl.fit(model, data, epochs=1, progress=False)
    with pytest.raises(ValueError, match=mismatch):
        keras_mtl.evaluate(model, data)
    with pytest.raises(ValueError, match=r"expect.*7.*\(8, 5\)"):  # called directly
        model(data.test.x)


@pytest.mark.parametrize("split", ["train", "val"])
@pytest.mark.parametrize("where", ["x", "y"])
def test_fit_refuses_nan_inputs_and_infinite_targets_before_training(split, where):
    """Under any import order: TensorFlow's fused kernels can train on NaN inputs with a finite loss."""
    data = related_tasks(n_train=16, dim=5, p=0.5, n_val=8, n_test=8, seed=0)
    part = getattr(data, split)
    # after the checks at construction (a NaN target would be a missing label)
    (part.x if where == "x" else part.y["task2"])[0] = np.nan if where == "x" else np.inf
    model = keras_mtl.HardSharingNet(data.input_shape, data.output_sizes(), (4,))
    expected = (rf"^x of the {split} split holds NaN or infinite values" if where == "x" else
                rf"^targets of task 'task2' of the {split} split hold infinite values")
    with pytest.raises(ValueError, match=expected):
        keras_mtl.fit(model, data, epochs=1, progress=False)


def test_weights_that_become_nan_stop_training_while_the_loss_is_still_finite():
    data = related_tasks(n_train=16, dim=5, p=0.5, n_val=8, n_test=8, seed=0)
    model = keras_mtl.HardSharingNet(data.input_shape, data.output_sizes(), (4,))
    weighting = keras_mtl.UncertaintyWeighting(data.kinds)
    weighting.log_vars["task1"].assign(float("nan"))  # the one full-batch step makes every weight NaN
    with pytest.raises(FloatingPointError, match=r"^the model's weights became NaN or infinite in epoch 1: "
                                                 "training diverged"):
        keras_mtl.fit(model, data, epochs=1, batch_size=None, weighting=weighting, progress=False)


def test_a_metric_that_overflows_stops_training():
    data = related_tasks(n_train=16, dim=5, p=0.5, n_val=8, n_test=8, seed=0)
    data.val.x[:] *= np.float32(1e30)  # finite inputs whose predictions overflow
    model = keras_mtl.HardSharingNet(data.input_shape, data.output_sizes(), (4,))
    expected = r"^the val metric of task 'task\d' became (inf|nan) in epoch 1: training diverged"
    with pytest.raises(FloatingPointError, match=expected):
        keras_mtl.fit(model, data, epochs=1, progress=False)


def test_a_diverging_loss_stops_training_with_the_task_and_epoch():
    data = related_tasks(n_train=32, dim=5, p=0.5, n_val=8, n_test=8, seed=0)
    model = keras_mtl.HardSharingNet(data.input_shape, data.output_sizes(), (8,))
    with pytest.raises(FloatingPointError, match=r"task 'task\d' became (nan|inf) in epoch \d"):
        keras_mtl.fit(model, data, epochs=50, lr=1e6, optimizer="sgd", progress=False)
