"""Choosing the sharing depth by k-fold cross-validation: folds, criterion, choice and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from mtl_lessons.data import digit_pairs, related_tasks, scale_task
from mtl_lessons.torch import SharingSetting, train_copies
from mtl_lessons.torch.selection import SharingCV, cross_validate_sharing, kfold_splits

OPTIONS = dict(hidden=(6, 6), epochs=8, seeds=[0])


@pytest.fixture(scope="module")
def data():
    return related_tasks(n_train=23, p=0.5, dim=5, noise_std=0.3, n_val=10, n_test=15, seed=0)


def test_folds_partition_the_training_split_and_touch_nothing_else(data):
    folds = kfold_splits(data, k=5, seed=1)
    assert len(folds) == 5
    held_out = np.concatenate([f.val.x for f in folds])
    assert len(held_out) == len(data.train)  # every example held out exactly once
    assert sorted(map(tuple, held_out.tolist())) == sorted(map(tuple, data.train.x.tolist()))
    for fold in folds:
        assert len(fold.train) + len(fold.val) == len(data.train)
        assert np.array_equal(fold.val.x, fold.test.x)
        kept = {tuple(r) for r in fold.train.x.tolist()}
        assert not kept & {tuple(r) for r in fold.val.x.tolist()}
    assert sorted(len(f.val) for f in folds) == [4, 4, 5, 5, 5]  # 23 rows: folds differ by one


def test_folds_are_those_of_scikit_learns_kfold(data):
    from sklearn.model_selection import KFold

    folds = kfold_splits(data, k=4, seed=7)
    for fold, (keep, held_out) in zip(folds, KFold(4, shuffle=True, random_state=7).split(data.train.x),
                                      strict=True):
        assert np.array_equal(fold.val.x, data.train.x[held_out])
        assert np.array_equal(fold.train.x, data.train.x[keep])
        assert np.array_equal(fold.train.y["task1"], data.train.y["task1"][keep])


def test_folds_are_deterministic_by_seed(data):
    a, b, c = (kfold_splits(data, 4, seed=s) for s in (3, 3, 4))
    assert all(np.array_equal(x.val.x, y.val.x) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x.val.x, y.val.x) for x, y in zip(a, c, strict=True))


def test_cross_validation_shapes_choice_and_regret(data):
    result = cross_validate_sharing([data, data.with_train_size(20)], k=3, **OPTIONS)
    assert isinstance(result, SharingCV) and result.depths == (0, 1, 2)
    assert result.cv_error.shape == (2, 3, 3, 1, 2) and result.test_error.shape == (2, 3, 1, 2)
    assert np.isfinite(result.cv_error).all() and (result.cv_error > 0).all()
    assert result.cv_score.shape == (2, 3) and result.cv_fold_spread.shape == (2, 3)
    assert np.array_equal(result.chosen, np.array(result.depths)[result.cv_score.argmin(1)])
    assert (result.regret >= 0).all()
    assert np.allclose(result.test_score.min(1), result.test_score[np.arange(2), [
        result.depths.index(d) for d in result.best_on_test]])


def test_the_test_error_is_that_of_train_copies_on_the_whole_training_split(data):
    result = cross_validate_sharing(data, depths=[0, 2], k=3, **OPTIONS)
    direct = train_copies(data, [SharingSetting(0), SharingSetting(2)], select="last", lr=1e-2, **OPTIONS)
    variance = np.array([np.var(data.train.y[t]) for t in data.tasks])
    assert np.allclose(result.test_error[0], direct.test[0] / variance, rtol=1e-5)


def test_the_criterion_divides_by_the_training_folds_variance(data):
    result = cross_validate_sharing(data, depths=[1], k=3, fold_seed=2, **OPTIONS)
    for f, fold in enumerate(kfold_splits(data, 3, seed=2)):
        direct = train_copies(fold, SharingSetting(1), select="last", lr=1e-2, **OPTIONS).test[0, 0]
        variance = np.array([np.var(fold.train.y[t]) for t in data.tasks])  # training folds only
        assert np.allclose(result.cv_error[0, 0, f], direct / variance, rtol=1e-5)
    louder = cross_validate_sharing(scale_task(data, "task2", 10.0), depths=[0], k=3, **OPTIONS)
    alone = cross_validate_sharing(data, depths=[0], k=3, **OPTIONS)
    assert louder.cv_error.shape == alone.cv_error.shape and np.isfinite(louder.cv_error).all()


def test_argument_errors(data):
    with pytest.raises(ValueError, match="k must be >= 2"):
        kfold_splits(data, k=1)
    with pytest.raises(ValueError, match="k must be <= 23"):
        kfold_splits(data, k=24)
    with pytest.raises(TypeError, match="MultiTaskData"):
        kfold_splits("data", k=3)
    with pytest.raises(ValueError, match="depth must be <= 2"):
        cross_validate_sharing(data, depths=[0, 3], **OPTIONS)
    with pytest.raises(ValueError, match="distinct depths"):
        cross_validate_sharing(data, depths=[1, 1], **OPTIONS)
    with pytest.raises(TypeError, match="datasets must be"):
        cross_validate_sharing([], **OPTIONS)
    with pytest.raises(ValueError, match="regression"):
        cross_validate_sharing(digit_pairs(n_train=30, seed=0), k=3, **OPTIONS)
