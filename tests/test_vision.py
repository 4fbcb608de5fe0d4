"""The vision chapter's pieces: generated scenes, the dense network, and scoring its predictions."""

import numpy as np
import pytest
import torch

from mtl_lessons.data import SCENE_CLASSES, shape_scenes
from mtl_lessons.data.scenes import BACKGROUND_DEPTH, SHAPE_DEPTH, render_scenes
from mtl_lessons.torch import SceneNet, fit
from mtl_lessons.torch.losses import task_loss
from mtl_lessons.torch.models.dense import SceneEncoder
from mtl_lessons.torch.prediction import predict, scene_scores


@pytest.fixture(scope="module")
def scenes():
    return shape_scenes(n_train=24, n_val=8, n_test=10, seed=3)


# ---------------------------------------------------------------- the generator


def test_scenes_have_the_documented_shapes_kinds_and_ranges(scenes):
    assert scenes.train.x.shape == (24, 3, 24, 24) and scenes.train.x.dtype == np.float32
    assert scenes.train.y["segmentation"].shape == (24, 24, 24)
    assert scenes.train.y["depth"].shape == (24, 24, 24)
    assert scenes.train.y["count"].shape == (24,)
    assert scenes.kinds == {"segmentation": "classification", "depth": "regression", "count": "regression"}
    assert scenes.n_classes == {"segmentation": len(SCENE_CLASSES)}
    assert 0.0 <= scenes.train.x.min() and scenes.train.x.max() <= 1.0
    labels, depth = scenes.train.y["segmentation"], scenes.train.y["depth"]
    assert set(np.unique(labels)) <= set(range(len(SCENE_CLASSES)))
    assert SHAPE_DEPTH[0] - 1e-6 <= depth[labels > 0].min()
    assert depth[labels > 0].max() <= SHAPE_DEPTH[1] + 1e-6
    assert BACKGROUND_DEPTH[0] - 1e-6 <= depth[labels == 0].min()
    assert depth[labels == 0].max() <= BACKGROUND_DEPTH[1] + 1e-6
    assert set(np.unique(scenes.train.y["count"])) <= {1.0, 2.0, 3.0, 4.0}


def test_scenes_are_deterministic_by_seed_and_differ_between_seeds():
    a, b, c = (shape_scenes(n_train=5, n_val=2, n_test=2, seed=s) for s in (1, 1, 2))
    assert np.array_equal(a.train.x, b.train.x) and np.array_equal(a.test.y["depth"], b.test.y["depth"])
    assert not np.array_equal(a.train.x, c.train.x)


def test_every_shape_stays_visible_and_nearer_shapes_hide_farther_ones():
    drawn = render_scenes(np.random.default_rng(0), 60, size=24, max_shapes=4, noise=0.0)
    labels, depth, count = drawn["segmentation"], drawn["depth"], drawn["count"]
    for i in range(60):
        shape_depths = np.unique(depth[i][labels[i] > 0])
        assert len(shape_depths) == count[i]  # each shape at its own depth, each one visible
    # farther surfaces are darker: the background is never brighter on average than the shapes
    brightness = drawn["x"].mean(axis=1)
    assert brightness[labels > 0].mean() > brightness[labels == 0].mean()


def test_scene_tasks_can_be_chosen_and_bad_arguments_are_named():
    only = shape_scenes(n_train=3, n_val=2, n_test=2, tasks=("depth",), seed=0)
    assert only.tasks == ("depth",) and only.n_classes == {}
    with pytest.raises(ValueError, match="unknown scene task"):
        shape_scenes(n_train=3, tasks=("normals",))
    with pytest.raises(ValueError, match="must not repeat"):
        shape_scenes(n_train=3, tasks=("depth", "depth"))
    with pytest.raises(ValueError, match="n_train must be >= 1"):
        shape_scenes(n_train=0)
    with pytest.raises(ValueError, match="fewer shapes or a larger size"):
        shape_scenes(n_train=200, n_val=2, n_test=2, size=12, max_shapes=6)


# ---------------------------------------------------------------- the network


@pytest.mark.parametrize("shared", [True, False])
def test_scene_net_outputs_have_the_shapes_the_loss_takes(scenes, shared):
    torch.manual_seed(0)
    model = SceneNet.for_data(scenes, channels=4, shared=shared)
    x = torch.as_tensor(scenes.train.x[:5])
    out = model(x)
    assert out["segmentation"].shape == (5, 4, 24, 24)
    assert out["depth"].shape == (5, 24, 24)
    assert out["count"].shape == (5,)
    assert set(model(x, task="depth")) == {"depth"}
    y = {t: torch.as_tensor(scenes.train.y[t][:5]) for t in scenes.tasks}
    for task in scenes.tasks:
        assert torch.isfinite(task_loss(out[task], y[task], scenes.kinds[task]))


def test_shared_and_separate_encoders_differ_in_shared_parameters_and_representation(scenes):
    shared = SceneNet.for_data(scenes, channels=4, shared=True)
    separate = SceneNet.for_data(scenes, channels=4, shared=False)
    assert isinstance(shared.representation_module(), SceneEncoder) and shared.shared_parameters()
    assert separate.representation_module() is None and separate.shared_parameters() == []
    n_shared = sum(p.numel() for p in shared.encoder.parameters())
    n_separate = sum(p.numel() for p in separate.encoders.parameters())
    assert n_separate == 3 * n_shared


def test_heads_start_from_the_prior_of_the_targets(scenes):
    model = SceneNet.for_data(scenes, channels=4)
    for task in ("depth", "count"):
        bias = float(model.heads[task][-1].bias.detach())
        assert bias == pytest.approx(float(scenes.train.y[task].mean()), rel=1e-5)
    share = np.bincount(scenes.train.y["segmentation"].ravel(), minlength=4)
    expected = np.log((share + 1.0) / (share.sum() + 4))
    assert np.allclose(model.heads["segmentation"][-1].bias.detach().numpy(), expected, atol=1e-6)


def test_scene_net_trains_with_fit_and_recalibrates(scenes):
    torch.manual_seed(0)
    model = SceneNet.for_data(scenes, channels=4)
    history = fit(model, scenes, epochs=2, batch_size=12, lr=1e-2, eval_splits=(), seed=0, progress=False)
    assert all(np.isfinite(history.train_loss[t]).all() for t in scenes.tasks)
    model.recalibrate(scenes.train.x)
    assert not model.training
    scores = scene_scores(model, scenes)
    assert set(scores) == {"segmentation mIoU", "depth RMSE", "depth abs-rel", "count MAE"}
    assert 0.0 <= scores["segmentation mIoU"] <= 1.0


def test_scene_net_image_level_classification_head():
    model = SceneNet((3, 16, 16), {"has_triangle": 2, "depth": 1}, per_pixel=("depth",), channels=4)
    out = model(torch.rand(3, 3, 16, 16))
    assert out["has_triangle"].shape == (3, 2) and out["depth"].shape == (3, 16, 16)


def test_scene_net_refuses_bad_arguments():
    with pytest.raises(ValueError, match="channels, height, width"):
        SceneNet((3, 16), {"depth": 1})
    with pytest.raises(ValueError, match="no head"):
        SceneNet((3, 16, 16), {"depth": 1}, per_pixel=("normals",))
    with pytest.raises(ValueError, match="channels must be >= 1"):
        SceneNet((3, 16, 16), {"depth": 1}, channels=0)
    with pytest.raises(TypeError, match="MultiTaskData"):
        SceneNet.for_data({"x": 1})
    with pytest.raises(ValueError, match="expects inputs"):
        SceneNet((3, 16, 16), {"depth": 1}, per_pixel=("depth",))(torch.rand(2, 3, 8, 8))


# ---------------------------------------------------------------- scoring a model (metrics: test_metrics.py)


def test_predict_returns_labels_for_classification_and_values_otherwise(scenes):
    model = SceneNet.for_data(scenes, channels=4)
    out = predict(model, scenes, "val", batch_size=3)
    assert out["segmentation"].shape == (8, 24, 24) and out["segmentation"].dtype.kind == "i"
    assert out["depth"].shape == (8, 24, 24) and out["count"].shape == (8,)
    with pytest.raises(ValueError, match="split"):
        predict(model, scenes, "dev")
