"""The batched engine: many small multi-task networks trained at once, equal to training them one by one."""

from __future__ import annotations

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from mtl_lessons.data import digit_pairs, related_tasks  # noqa: E402
from mtl_lessons.torch import (  # noqa: E402
    FixedWeights,
    HardSharingNet,
    SharingSetting,
    evaluate,
    fit,
    fit_and_score,
    gradient_cosine,
    train_copies,
)


@pytest.fixture(scope="module")
def data():
    return related_tasks(n_train=40, p=0.5, dim=6, noise_std=0.3, n_val=30, n_test=50, seed=0)


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_train_copies_matches_fit_and_score(data, depth):
    torch.manual_seed(3)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (8, 8), shared_layers=depth)
    score = fit_and_score(model, data, epochs=20, lr=1e-2, seed=3)
    result = train_copies(data, SharingSetting(depth), seeds=[3], hidden=(8, 8), epochs=20)
    assert np.allclose(result.test[0, 0, 0], [score.test[t] for t in data.tasks], rtol=1e-3, atol=0)
    assert np.allclose(result.val[0, 0, 0], [score.val[t] for t in data.tasks], rtol=1e-3, atol=0)


def test_gradient_probe_matches_gradient_cosine(data):
    torch.manual_seed(1)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (8, 8), shared_layers=1)
    expected = gradient_cosine(model, data)[0, 1]
    result = train_copies(data, [SharingSetting(0), SharingSetting(1)], seeds=[1], hidden=(8, 8),
                           epochs=5, probe_epochs=(0, 5))
    assert result.cosine.shape == (1, 2, 1, 2)
    assert np.isnan(result.cosine[0, 0, 0]).all()  # nothing shared: no cosine
    assert abs(result.cosine[0, 1, 0, 0] - expected) < 1e-5
    assert -1 <= result.cosine[0, 1, 0, 1] <= 1


def test_train_copies_shapes_and_mixed_training_sizes(data):
    small = data.with_train_size(10)
    settings = [SharingSetting(0), SharingSetting(2), SharingSetting(0, 0.1),
                SharingSetting.with_share(1, 0.0, 0.8)]
    result = train_copies([data, small], settings, seeds=[0, 1], hidden=(8, 8), epochs=10)
    assert result.test.shape == (2, 4, 2, 2) and np.isfinite(result.test).all()
    alone = train_copies(small, settings[1], seeds=[1], hidden=(8, 8), epochs=10)
    # padding changes nothing (up to float32 rounding)
    assert np.allclose(alone.test[0, 0, 0], result.test[1, 1, 1], rtol=1e-3, atol=0)


def test_soft_coupling_acts_only_on_unshared_layers(data):
    settings = [SharingSetting(0), SharingSetting(0, 0.5), SharingSetting(2), SharingSetting(2, 0.5)]
    result = train_copies(data, settings, seeds=[0], hidden=(8, 8), epochs=20)
    stl, soft, hard, hard_coupled = result.test[0, :, 0]
    assert not np.allclose(stl, soft)  # the penalty changes independent columns
    assert np.allclose(hard, hard_coupled)  # and nothing when every layer is shared


def test_train_copies_checks_arguments(data):
    with pytest.raises(ValueError, match="depth 3"):
        train_copies(data, SharingSetting(3), hidden=(8, 8))
    with pytest.raises(TypeError, match="settings"):
        train_copies(data, [0])
    with pytest.raises(TypeError, match="datasets"):
        train_copies([], SharingSetting(0))
    with pytest.raises(ValueError, match="regression task"):
        train_copies(digit_pairs(n_train=10, n_val=5, n_test=5), SharingSetting(0))
    other = related_tasks(n_train=40, p=0.5, dim=6, n_val=31, n_test=50)
    with pytest.raises(ValueError, match="differ"):
        train_copies([data, other], SharingSetting(0))
    with pytest.raises(ValueError, match="lam"):
        SharingSetting(0, -1.0)
    with pytest.raises(ValueError, match="share"):
        SharingSetting.with_share(0, 0.0, 1.5)
    with pytest.raises(ValueError, match="alpha"):
        SharingSetting(0, 0.0, (1.0, float("nan")))
    with pytest.raises(ValueError, match="weighs 3 tasks"):
        train_copies(data, SharingSetting(0, 0.0, (1.0, 1.0, 1.0)))
    with pytest.raises(ValueError, match="seeds"):
        train_copies(data, SharingSetting(0), seeds=[])




@pytest.mark.parametrize("optimizer, lr", [("adam", 2e-2), ("sgd", 5e-2)])
def test_a_last_epoch_copy_equals_fit_with_the_same_weights(data, optimizer, lr):
    """One copy of the engine is `fit` with full batches and fixed weights, for both optimisers."""
    alpha = {"task1": 0.3, "task2": 1.7}
    torch.manual_seed(4)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (6,), shared_layers=1)
    fit(model, data, epochs=15, batch_size=None, lr=lr, weighting=FixedWeights(alpha), optimizer=optimizer,
        progress=False, device="cpu")
    expected = evaluate(model, data, "test")
    result = train_copies(data, SharingSetting(1, 0.0, (0.3, 1.7)), seeds=[4], hidden=(6,), epochs=15,
                          lr=lr, optimizer=optimizer, select="last")
    assert np.allclose(result.test[0, 0, 0], [expected[t] for t in data.tasks], rtol=1e-3, atol=0)


def test_three_tasks_and_the_pairwise_coupling():
    three = related_tasks(n_train=30, p=0.8, n_tasks=3, dim=5, n_val=10, n_test=20, seed=2)
    settings = [SharingSetting(0), SharingSetting(0, 10.0), SharingSetting(1)]
    result = train_copies(three, settings, seeds=[0], hidden=(4,), epochs=5)
    assert result.test.shape == (1, 3, 1, 3) and np.isfinite(result.test).all()
    assert not np.allclose(result.test[0, 0], result.test[0, 1])  # the coupling acts on three columns
    with pytest.raises(ValueError, match="two tasks"):
        train_copies(related_tasks(n_train=10, n_tasks=1, dim=3, n_val=5, n_test=5), SharingSetting(0),
                     hidden=(3,), probe_epochs=(0,))


def test_a_diverging_copy_is_reported():
    data = related_tasks(n_train=20, p=0.5, dim=4, n_val=10, n_test=10, seed=0)
    with pytest.raises(FloatingPointError, match="diverged"):
        train_copies(data, SharingSetting(1), hidden=(4,), epochs=20, lr=1e8, optimizer="sgd", select="last")
