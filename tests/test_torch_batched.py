"""The batched engine: many small multi-task networks trained at once, equal to training them one by one."""

from __future__ import annotations

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from mtl_lessons.data import CLASSIFICATION, REGRESSION, MultiTaskData, Split, digit_pairs, related_tasks  # noqa: E402
from mtl_lessons.data.base import MISSING_CLASS, labelled  # noqa: E402
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


# Classification and mixed tasks: each copy is `fit` (full batch, fixed weights) from the same seed.


@pytest.fixture(scope="module")
def digits():
    return digit_pairs(n_train=60, n_val=40, n_test=50, tasks=("left", "sum", "same"), seed=1)


def mixed_tasks(seed: int = 0) -> MultiTaskData:
    """Digit pairs: a regression task (the sum, scaled) between classification tasks of 10 and 2 classes."""
    pairs = digit_pairs(n_train=60, n_val=40, n_test=50, tasks=("left", "right", "same"), seed=seed)

    def split(part: Split) -> Split:
        total = (part.y["left"] + part.y["right"]).astype(np.float32) / 9
        return Split(part.x, {"left": part.y["left"].copy(), "sum": total, "same": part.y["same"].copy()})

    return MultiTaskData(split(pairs.train), split(pairs.val), split(pairs.test),
                         {"left": CLASSIFICATION, "sum": REGRESSION, "same": CLASSIFICATION},
                         {"left": 10, "same": 2})


@pytest.fixture(scope="module")
def mixed():
    return mixed_tasks()


def fit_scores(data, depth, seed, hidden, epochs, lr, alpha=None, optimizer="adam"):
    """Test and validation scores of one `fit` run, each task at its best validation epoch."""
    torch.manual_seed(seed)
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden, shared_layers=depth)
    weighting = None if alpha is None else FixedWeights(dict(zip(data.tasks, alpha, strict=True)))
    history = fit(model, data, epochs, batch_size=None, lr=lr, weighting=weighting, optimizer=optimizer,
                  eval_every=5, eval_splits=("val", "test"), progress=False, device="cpu")
    best = history.best()
    return [best.test[t] for t in data.tasks], [best.val[t] for t in data.tasks]


def assert_same_scores(batched, expected, data):
    """MSE up to float32 rounding; an accuracy up to the rounding of a sum of 1/n (no example flipped)."""
    for value, reference, kind in zip(batched, expected, data.kinds.values(), strict=True):
        tolerance = dict(rel=1e-3) if kind == REGRESSION else dict(abs=1e-5)
        assert value == pytest.approx(reference, **tolerance), (batched, expected)


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_classification_copies_match_fit(digits, depth):
    test, val = fit_scores(digits, depth, seed=3, hidden=(8, 8), epochs=30, lr=1e-2)
    result = train_copies(digits, SharingSetting(depth), seeds=[3], hidden=(8, 8), epochs=30, lr=1e-2)
    assert_same_scores(result.test[0, 0, 0], test, digits)
    assert_same_scores(result.val[0, 0, 0], val, digits)
    assert 0.2 < result.test[0, 0, 0, 2] < 1  # "same" is learnt above chance, without being trivial


@pytest.mark.parametrize("depth, optimizer, lr, alpha", [(0, "adam", 1e-2, None),
                                                         (1, "adam", 1e-2, (0.5, 2.0, 1.0)),
                                                         (2, "sgd", 0.1, (1.0, 3.0, 0.5))])
def test_mixed_copies_match_fit(mixed, depth, optimizer, lr, alpha):
    options = dict(hidden=(8, 8), epochs=25, lr=lr, optimizer=optimizer)
    test, val = fit_scores(mixed, depth, seed=5, alpha=alpha, **options)
    result = train_copies(mixed, SharingSetting(depth, 0.0, alpha), seeds=[5], **options)
    assert_same_scores(result.test[0, 0, 0], test, mixed)
    assert_same_scores(result.val[0, 0, 0], val, mixed)


def test_one_batch_holds_copies_of_every_kind_and_depth(mixed):
    """A copy trained among others (other depths, seeds, a soft coupling) is the copy trained alone."""
    settings = [SharingSetting(0), SharingSetting(1, 0.3), SharingSetting(2)]
    together = train_copies(mixed, settings, seeds=[0, 1], hidden=(8, 8), epochs=15)
    alone = train_copies(mixed, settings[1], seeds=[1], hidden=(8, 8), epochs=15)
    assert_same_scores(together.test[0, 1, 1], alone.test[0, 0, 0], mixed)


@pytest.mark.parametrize("name", ["digits", "mixed"])
def test_gradient_probe_of_classification_tasks(name, request):
    data = request.getfixturevalue(name)
    torch.manual_seed(2)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (8, 8), shared_layers=2)
    expected = gradient_cosine(model, data)[0, 1]
    result = train_copies(data, SharingSetting(2), seeds=[2], hidden=(8, 8), epochs=1, probe_epochs=(0,))
    assert abs(result.cosine[0, 0, 0, 0] - expected) < 1e-5


def test_train_copies_checks_targets(digits, mixed):
    from mtl_lessons.data import shape_scenes

    scenes = shape_scenes(n_train=4, n_val=2, n_test=2, tasks=("count", "segmentation"), seed=0)
    with pytest.raises(ValueError, match="'segmentation' in the train split.*one output per example"):
        train_copies(scenes, SharingSetting(0), hidden=(4,))
    same_kinds = digit_pairs(n_train=60, n_val=40, n_test=50, tasks=("left", "right", "same"))
    with pytest.raises(ValueError, match="differ in number, kind or number of classes"):
        train_copies([mixed, same_kinds], SharingSetting(0), hidden=(4,))
    wrong_label = mixed_tasks()
    wrong_label.val.y["left"][3] = 10  # a class the task does not have, written after the data were made
    with pytest.raises(ValueError, match="'left' in the val split of data set 0: class labels must be 0 to"):
        train_copies(wrong_label, SharingSetting(0), hidden=(4,))
    infinite = mixed_tasks()
    infinite.train.y["sum"][0] = np.inf
    with pytest.raises(ValueError, match="'sum' in the train split"):
        train_copies(infinite, SharingSetting(0), hidden=(4,))


# Missing labels (NaN, MISSING_CLASS): each task's loss and score average over its labelled rows only.


def with_missing_labels(data: MultiTaskData, seed: int, share: float = 0.3) -> MultiTaskData:
    """``data`` with about ``share`` of each task's labels removed in every split, written in place.

    ``MultiTaskData`` refuses missing labels when it is made; its arrays can be changed afterwards.
    """
    rng = np.random.default_rng(seed)
    for name in ("train", "val", "test"):
        for task, kind in data.kinds.items():
            targets = getattr(data, name).y[task]
            targets[rng.random(len(targets)) < share] = np.nan if kind == REGRESSION else MISSING_CLASS
    return data


def masked_sgd_by_hand(data, depth, seed, hidden, epochs, lr, alpha):
    """SGD on ``sum_t alpha_t L_t``, ``L_t`` the mean loss over task t's labelled rows; then the
    scores over the labelled rows of the test and validation splits. Missing rows are dropped by
    indexing, so no NaN is ever computed with."""
    torch.manual_seed(seed)
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden, shared_layers=depth)

    def known_rows(split):
        part = getattr(data, split)
        rows = {}
        for task, kind in data.kinds.items():
            mask = labelled(part.y[task], kind)
            dtype = torch.long if kind == CLASSIFICATION else torch.float32
            rows[task] = (torch.as_tensor(mask), torch.as_tensor(part.y[task][mask], dtype=dtype))
        return torch.as_tensor(part.x), rows

    x, rows = known_rows("train")
    for _ in range(epochs):
        out = model(x)
        total = 0.0
        for k, (task, kind) in enumerate(data.kinds.items()):
            mask, y = rows[task]
            if kind == REGRESSION:
                loss = ((out[task][mask] - y) ** 2).sum() / len(y)
            else:
                loss = -torch.log_softmax(out[task][mask], dim=1)[torch.arange(len(y)), y].sum() / len(y)
            total = total + alpha[k] * loss
        model.zero_grad()
        total.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
    scores = []
    for split in ("test", "val"):
        x, rows = known_rows(split)
        with torch.no_grad():
            out = model(x)
        scores.append([float(((out[t][m] - y) ** 2).mean()) if k == REGRESSION else
                       float((out[t][m].argmax(1) == y).float().mean())
                       for (t, k), (m, y) in zip(data.kinds.items(), rows.values(), strict=True)])
    return scores


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_missing_labels_match_a_hand_written_masked_loss(depth):
    data = with_missing_labels(mixed_tasks(seed=2), seed=depth)
    alpha = (1.0, 2.0, 0.5)
    test, val = masked_sgd_by_hand(data, depth, seed=6, hidden=(8, 8), epochs=20, lr=0.2, alpha=alpha)
    result = train_copies(data, SharingSetting(depth, 0.0, alpha), seeds=[6], hidden=(8, 8), epochs=20,
                          lr=0.2, optimizer="sgd", select="last")
    assert_same_scores(result.test[0, 0, 0], test, data)
    assert_same_scores(result.val[0, 0, 0], val, data)


def test_missing_labels_are_weighted_per_data_set_and_task():
    """Data sets with different missing rows (and training sizes) in one call: each copy as if alone."""
    first = with_missing_labels(mixed_tasks(seed=4), seed=0)
    second = with_missing_labels(mixed_tasks(seed=4).with_train_size(30), seed=1)
    settings = [SharingSetting(0), SharingSetting(2)]
    together = train_copies([first, second], settings, seeds=[0], hidden=(8, 8), epochs=15, select="last")
    for i, data in enumerate((first, second)):
        alone = train_copies(data, settings, seeds=[0], hidden=(8, 8), epochs=15, select="last")
        for s in range(2):
            assert_same_scores(together.test[i, s, 0], alone.test[0, s, 0], data)


def test_a_task_without_any_training_label_adds_nothing():
    """No label of a task in the training split trains like a weight of 0 for it (the same numbers)."""
    unlabelled = mixed_tasks(seed=3)
    unlabelled.train.y["sum"][:] = np.nan
    unlabelled.train.y["same"][:] = MISSING_CLASS
    weighted = train_copies(mixed_tasks(seed=3), SharingSetting(2, 0.0, (1.0, 0.0, 0.0)), seeds=[0],
                            hidden=(8, 8), epochs=15)
    result = train_copies(unlabelled, SharingSetting(2), seeds=[0], hidden=(8, 8), epochs=15)
    assert np.allclose(result.test, weighted.test, rtol=1e-6, atol=0)
    assert np.allclose(result.val, weighted.val, rtol=1e-6, atol=0)


def test_a_task_needs_a_label_where_it_is_scored():
    data = mixed_tasks()
    data.test.y["same"][:] = MISSING_CLASS
    with pytest.raises(ValueError, match="'same' in the test split of data set 0 has no labelled example"):
        train_copies(data, SharingSetting(0), hidden=(4,))
    data = mixed_tasks()
    data.train.y["left"][0] = -1  # negative, but not the missing label
    with pytest.raises(ValueError, match=f"MISSING_CLASS \\({MISSING_CLASS}\\)"):
        train_copies(data, SharingSetting(0), hidden=(4,))


# metric="auc": a two-class task scored by the AUC of its logit difference, checked against scikit-learn.


def binary_tasks(seed: int = 0, ties: bool = False) -> MultiTaskData:
    """Digit pairs with two two-class tasks: "same" digits, and a left digit below 5.

    ``ties``: the second half of the test split repeats the first half's images with the other
    "same" label, so that every score ties with one of the other class, a pair that the AUC must
    count one half.
    """
    pairs = digit_pairs(n_train=60, n_val=40, n_test=50, tasks=("left", "same"), seed=seed)

    def split(part: Split, repeat: bool) -> Split:
        x, left, same = part.x, part.y["left"], part.y["same"]
        if repeat:
            half = len(x) // 2
            x, left, same = (np.concatenate([a[:half], a[:half]]) for a in (x, left, same))
            same = same.copy()
            same[half:] = 1 - same[half:]  # the same scores, the other label: ties between classes
        return Split(x, {"same": same.copy(), "small": (left < 5).astype(np.int64)})

    tasks = ("same", "small")
    return MultiTaskData(split(pairs.train, False), split(pairs.val, False), split(pairs.test, ties),
                         dict.fromkeys(tasks, CLASSIFICATION), dict.fromkeys(tasks, 2))


@pytest.mark.parametrize("depth, ties, missing", [(0, False, False), (1, True, False), (1, False, True)])
def test_auc_copies_match_fit_and_scikit_learn(depth, ties, missing):
    from sklearn.metrics import roc_auc_score

    from mtl_lessons.torch import positive_probabilities

    data = binary_tasks(seed=depth, ties=ties)
    if missing:
        data = with_missing_labels(data, seed=3)
    torch.manual_seed(7)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (8,), shared_layers=depth)
    fit(model, data, epochs=12, batch_size=None, lr=1e-2, progress=False, device="cpu")
    result = train_copies(data, SharingSetting(depth), seeds=[7], hidden=(8,), epochs=12, select="last",
                          metric="auc")
    for split in ("test", "val"):
        part = getattr(data, split)
        probability = positive_probabilities(model, part.x)
        expected = []
        for task in data.tasks:
            known = part.y[task] != MISSING_CLASS
            expected.append(roc_auc_score(part.y[task][known], probability[task][known]))
        scores = result.test if split == "test" else result.val
        assert np.allclose(scores[0, 0, 0], expected, atol=1e-6), (split, scores[0, 0, 0], expected)
        if ties and split == "test":  # the repeated images tie across classes: one half per such pair
            assert len(np.unique(probability["same"])) == len(part.x) // 2


def test_the_auc_is_kept_at_the_best_validation_epoch():
    data = binary_tasks(seed=2)
    options = dict(seeds=[0], hidden=(8,), epochs=20)
    best = train_copies(data, SharingSetting(1), metric="auc", **options)
    last = train_copies(data, SharingSetting(1), metric="auc", select="last", **options)
    assert np.all(best.val >= last.val) and np.all((0 <= best.test) & (best.test <= 1))
    accuracy = train_copies(data, SharingSetting(1), select="last", **options)
    assert not np.allclose(accuracy.test, last.test)  # another metric of the same networks


def test_the_auc_needs_two_classes(mixed):
    with pytest.raises(ValueError, match="metric must be one of 'accuracy', 'auc'"):
        train_copies(binary_tasks(), SharingSetting(0), hidden=(4,), metric="roc")
    with pytest.raises(ValueError, match="task 'left' has 10 classes"):
        train_copies(mixed, SharingSetting(0), hidden=(4,), metric="auc")
    one_class = binary_tasks()
    one_class.val.y["small"][:] = 1
    with pytest.raises(ValueError, match="'small' in the val split of data set 0 has labels of one class"):
        train_copies(one_class, SharingSetting(0), hidden=(4,), metric="auc")
    train_copies(mixed, SharingSetting(0), hidden=(4,), epochs=1)  # accuracy: ten classes are fine
