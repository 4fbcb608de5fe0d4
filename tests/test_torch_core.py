import dataclasses

import numpy as np
import pytest
import torch

from mtl_lessons import set_seed
from mtl_lessons.data import Split, related_tasks
from mtl_lessons.torch import HardSharingNet, UncertaintyWeighting, evaluate, fit, mtl_loss, task_loss
from mtl_lessons.torch.models import count_parameters


@pytest.fixture(scope="module")
def data():
    return related_tasks(n_train=256, n_val=64, n_test=128, dim=8, p=0.9, seed=0)


@pytest.mark.parametrize("shared", [0, 1, 2])
def test_hard_sharing_shapes_and_parameter_counts(shared):
    model = HardSharingNet(8, {"a": 1, "b": 3}, hidden=(16, 12), shared_layers=shared)
    out = model(torch.zeros(5, 8))
    assert out["a"].shape == (5,) and out["b"].shape == (5, 3)
    assert len(model.trunk) == 1 + 2 * shared
    # parameters: the shared layers once, the rest once per task
    layer = {0: 8 * 16 + 16, 1: 16 * 12 + 12}
    heads = 12 * 1 + 1 + 12 * 3 + 3
    expected = sum(layer[i] for i in range(shared)) + 2 * sum(
        layer[i] for i in range(shared, 2)) + heads
    assert count_parameters(model) == expected


def test_shared_layers_zero_means_no_shared_parameters():
    model = HardSharingNet(4, {"a": 1, "b": 1}, hidden=(8,), shared_layers=0)
    assert model.shared_parameters() == []
    out = model(torch.randn(3, 4))
    out["a"].sum().backward()
    assert all(p.grad is None for p in model.heads["b"].parameters())


def test_image_inputs_are_flattened():
    model = HardSharingNet((8, 16), {"left": 10, "right": 10}, hidden=(32,))
    assert model(torch.zeros(2, 8, 16))["left"].shape == (2, 10)


def test_forward_one_task_and_unknown_task():
    model = HardSharingNet(4, {"a": 1, "b": 1}, hidden=(8,))
    assert set(model(torch.zeros(2, 4), task="b")) == {"b"}
    with pytest.raises(ValueError, match="unknown task 'c'; this model has heads"):
        model(torch.zeros(2, 4), task="c")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"heads": {}}, ValueError, "heads must be a non-empty dict"),
        ({"heads": {"a": 0}}, ValueError, r"heads\['a'\] must be >= 1"),
        ({"shared_layers": 3}, ValueError, "shared_layers must be <= 2, got 3"),
        ({"shared_layers": -1}, ValueError, "shared_layers must be >= 0"),
        ({"hidden": (16, 0)}, ValueError, "hidden width must be >= 1"),
    ],
)
def test_hard_sharing_rejects_bad_arguments(kwargs, error, message):
    arguments = {"input_shape": 4, "heads": {"a": 1}, "hidden": (16, 8)} | kwargs
    with pytest.raises(error, match=message):
        HardSharingNet(**arguments)


def test_mtl_loss_is_weighted_sum_plus_regulariser():
    outputs = {"a": torch.tensor([1.0, 2.0]), "b": torch.tensor([[2.0, 0.0], [0.0, 2.0]])}
    targets = {"a": torch.tensor([0.0, 0.0]), "b": torch.tensor([0, 1])}
    kinds = {"a": "regression", "b": "classification"}
    total, per_task = mtl_loss(outputs, targets, kinds, {"a": 0.5, "b": 2.0}, torch.tensor(1.0))
    assert per_task["a"].item() == pytest.approx(2.5)
    ce = torch.nn.functional.cross_entropy(outputs["b"], targets["b"]).item()
    assert total.item() == pytest.approx(0.5 * 2.5 + 2.0 * ce + 1.0)


def test_loss_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"output has shape \(3,\) but its target has shape \(3, 1\)"):
        task_loss(torch.zeros(3), torch.zeros(3, 1), "regression")
    with pytest.raises(ValueError, match="classification expects logits"):
        task_loss(torch.zeros(3), torch.zeros(3, dtype=torch.long), "classification")
    with pytest.raises(ValueError, match="kind must be"):
        task_loss(torch.zeros(3), torch.zeros(3), "ranking")
    with pytest.raises(ValueError, match=r"task 'a': regression output has shape \(2,\) but its target "
                                         r"has shape \(2, 1\)"):
        mtl_loss({"a": torch.zeros(2)}, {"a": torch.zeros(2, 1)}, {"a": "regression"})
    with pytest.raises(ValueError, match=r"no target for \['b'\]"):
        mtl_loss({"a": torch.zeros(2), "b": torch.zeros(2)}, {"a": torch.zeros(2)},
                 {"a": "regression", "b": "regression"})


@pytest.mark.parametrize("schedule", ["joint", "alternating"])
def test_fit_learns_both_tasks(data, schedule):
    set_seed(0)
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(32,))
    before = evaluate(model, data, "val")
    history = fit(model, data, epochs=30, batch_size=64, lr=3e-3, schedule=schedule,
                  progress=False)
    after = evaluate(model, data, "val")
    assert set(history.train_loss) == set(data.tasks) and len(history.epochs) == 30
    for task in data.tasks:
        assert after[task] < 0.8 * before[task]
        assert history.train_loss[task][-1] < history.train_loss[task][0]
    assert history.final() == after


def test_fit_is_reproducible(data):
    results = []
    for _ in range(2):
        model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(16,))
        torch.manual_seed(0)
        model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(16,))
        fit(model, data, epochs=3, progress=False, seed=1)
        results.append(evaluate(model, data))
    assert results[0] == results[1]


def test_fit_alpha_zero_leaves_a_task_untrained(data):
    set_seed(0)
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(16,), shared_layers=0)
    head_b = [p.detach().clone() for p in model.heads["task2"].parameters()]
    fit(model, data, epochs=2, weighting={"task1": 1.0, "task2": 0.0}, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(head_b, model.heads["task2"].parameters(), strict=True))


def test_fit_rejects_mismatched_tasks_and_bad_settings(data):
    model = HardSharingNet(data.input_shape, {"task1": 1, "other": 1}, hidden=(8,))
    with pytest.raises(ValueError, match=r"heads \['other', 'task1'\] do not match the data's "
                                         r"tasks \['task1', 'task2'\]"):
        fit(model, data, epochs=1, progress=False)
    good = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(8,))
    with pytest.raises(ValueError, match="schedule must be one of 'joint', 'alternating'"):
        fit(good, data, schedule="random", progress=False)
    with pytest.raises(ValueError, match=r"weighting names unknown tasks \['task3'\]"):
        fit(good, data, weighting={"task3": 1.0}, progress=False)
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        fit(good, data, epochs=0, progress=False)
    with pytest.raises(ValueError, match="lr must be > 0.0"):
        fit(good, data, lr=0.0, progress=False)


def test_soft_sharing_coupling_is_the_pairwise_squared_distance():
    from mtl_lessons.torch import SoftSharingNet

    model = SoftSharingNet(3, {"a": 1, "b": 2, "c": 1}, hidden=(4,))
    assert model(torch.zeros(5, 3))["b"].shape == (5, 2)
    params = {t: torch.cat([p.flatten() for p in model.columns[t].parameters()]) for t in model.tasks}
    expected = sum((params[i] - params[j]).pow(2).sum() for i, j in (("a", "b"), ("a", "c"), ("b", "c")))
    assert model.coupling().item() == pytest.approx(expected.item(), rel=1e-6)
    with torch.no_grad():
        for t in ("b", "c"):
            for p, q in zip(model.columns[t].parameters(), model.columns["a"].parameters(), strict=True):
                p.copy_(q)
    assert model.coupling().item() == 0.0
    with pytest.raises(ValueError, match="at least one layer width"):
        SoftSharingNet(3, {"a": 1}, hidden=())


def test_soft_sharing_penalty_pulls_the_columns_together(data):
    from mtl_lessons.torch import SoftSharingNet

    distances = {}
    for lam in (0.0, 1.0):
        set_seed(0)
        model = SoftSharingNet(data.input_shape, data.output_sizes(), hidden=(16,))
        fit(model, data, epochs=20, regulariser=lambda m, lam=lam: lam * m.coupling(), progress=False)
        distances[lam] = model.coupling().item()
    assert distances[1.0] < 0.5 * distances[0.0]


def test_cross_stitch_starts_near_independent_and_learns_its_mixing(data):
    from mtl_lessons.torch import CrossStitchNet

    model = CrossStitchNet(data.input_shape, data.output_sizes(), hidden=(16, 8), self_weight=0.9)
    stitch = model.stitches[0].detach().clone()
    assert torch.allclose(stitch.sum(dim=1), torch.ones(2)) and stitch[0, 0].item() == pytest.approx(0.9)
    assert model(torch.zeros(3, 8))["task1"].shape == (3,)
    fit(model, data, epochs=5, progress=False)
    assert not torch.equal(model.stitches[0].detach(), stitch)
    identity = CrossStitchNet(4, {"a": 1, "b": 1}, hidden=(8,), self_weight=1.0)
    out = identity(torch.randn(5, 4))["a"].sum()
    out.backward()
    assert identity.layers[0][1].weight.grad.abs().sum() == 0  # task b's column untouched by a
    with pytest.raises(ValueError, match="self_weight must be <= 1.0, got 1.5"):
        CrossStitchNet(4, {"a": 1}, self_weight=1.5)


def test_gradient_cosine_is_one_for_identical_tasks_and_detects_conflict():
    from mtl_lessons.torch import gradient_cosine

    same = related_tasks(n_train=128, dim=6, p=1.0, noise_std=0.0, seed=0)
    set_seed(0)
    model = HardSharingNet(same.input_shape, same.output_sizes(), hidden=(16,))
    with torch.no_grad():  # identical heads: identical gradients on the trunk
        for p, q in zip(model.heads["task2"].parameters(), model.heads["task1"].parameters(), strict=True):
            p.copy_(q)
    cos = gradient_cosine(model, same)
    assert cos.shape == (2, 2) and cos[0, 1] == pytest.approx(1.0, abs=1e-5)
    opposite = related_tasks(n_train=128, dim=6, p=-1.0, noise_std=0.0, n_sines=0, seed=0)
    assert gradient_cosine(model, opposite)[0, 1] < 0
    with pytest.raises(ValueError, match="no shared parameters"):
        gradient_cosine(HardSharingNet(6, {"task1": 1, "task2": 1}, (8,), shared_layers=0), same)


def test_a_model_that_does_not_fit_the_data_says_both_sizes(data):
    wrong = HardSharingNet(7, data.output_sizes(), hidden=(8,))
    with pytest.raises(ValueError, match=r"takes inputs of 7 features, but the data's inputs have "
                                         r"shape \(8,\) \(8 features\)"):
        fit(wrong, data, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"expects inputs of 7 features per example, but x has "
                                         r"shape \(3, 8\)"):
        wrong(torch.zeros(3, 8))


def test_a_diverging_loss_stops_training_with_the_task_and_the_epoch(data):
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(8,))
    with pytest.raises(FloatingPointError, match=r"task 'task\d' became (nan|inf) in epoch \d+"):
        fit(model, data, epochs=30, lr=1e8, optimizer="sgd", progress=False)


def changed_after_construction(data, split, where):
    """A copy of ``data`` whose ``split`` gets a NaN in its inputs or targets after it was checked."""
    part = getattr(data, split)
    fresh = Split(part.x.copy(), {t: v.copy() for t, v in part.y.items()})
    copy = dataclasses.replace(data, **{split: fresh})
    changed = getattr(copy, split)
    if where == "x":
        changed.x[0] = np.nan
    else:
        changed.y["task2"][0] = np.inf  # a NaN target would be a missing label
    return copy


@pytest.mark.parametrize("split", ["train", "val"])
@pytest.mark.parametrize("where", ["x", "y"])
def test_fit_refuses_nan_inputs_and_infinite_targets_before_training(data, split, where):
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(8,))
    expected = (rf"^x of the {split} split holds NaN or infinite values" if where == "x" else
                rf"^targets of task 'task2' of the {split} split hold infinite values")
    with pytest.raises(ValueError, match=expected):
        fit(model, changed_after_construction(data, split, where), epochs=1, progress=False)


def test_weights_that_become_nan_stop_training_while_the_loss_is_still_finite(data):
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(8,))
    weighting = UncertaintyWeighting(data.kinds)
    with torch.no_grad():
        weighting.log_vars["task1"].fill_(float("nan"))  # the one full-batch step makes every weight NaN
    with pytest.raises(FloatingPointError, match=r"^the model's weights became NaN or infinite in epoch 1: "
                                                 "training diverged"):
        fit(model, data, epochs=1, batch_size=None, weighting=weighting, progress=False)


def test_a_metric_that_overflows_stops_training(data):
    far = dataclasses.replace(data, val=Split(data.val.x * np.float32(1e30), data.val.y))  # finite inputs
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(8,))
    expected = r"^the val metric of task 'task\d' became (inf|nan) in epoch 1: training diverged"
    with pytest.raises(FloatingPointError, match=expected):
        fit(model, far, epochs=1, progress=False)


def test_fit_records_every_requested_split_and_the_weights(data):
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(8,))
    history = fit(model, data, epochs=4, eval_every=2, eval_splits=("val", "test"),
                  weighting={"task2": 0.5}, progress=False, seed=0)
    assert history.epochs == [2, 4] and set(history.metrics) == {"val", "test"}
    assert history.weights == {"task1": [1.0] * 4, "task2": [0.5] * 4}
    assert history.final("test") == evaluate(model, data, "test")
    alternating = fit(model, data, epochs=2, schedule="alternating", progress=False)
    assert all(len(v) == 2 for v in alternating.train_loss.values())
    with pytest.raises(ValueError, match="eval_splits entry must be one of"):
        fit(model, data, eval_splits=("holdout",), progress=False)
    with pytest.raises(TypeError, match="regulariser must be a function"):
        fit(model, data, regulariser=0.1, progress=False)
