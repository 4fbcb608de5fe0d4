import numpy as np
import pytest

from mtl_lessons.data import CLASSIFICATION, REGRESSION, label_correlation, related_tasks


def test_related_tasks_shapes_and_kinds():
    data = related_tasks(n_train=50, n_val=20, n_test=30, n_tasks=3, dim=10, seed=1)
    assert data.tasks == ("task1", "task2", "task3")
    assert data.train.x.shape == (50, 10) and data.train.x.dtype == np.float32
    assert len(data.val) == 20 and len(data.test) == 30
    assert all(data.kinds[t] == REGRESSION for t in data.tasks)
    assert data.output_sizes() == {"task1": 1, "task2": 1, "task3": 1}
    assert data.input_shape == (10,)


def test_related_tasks_is_deterministic_and_test_set_independent_of_train_size():
    a = related_tasks(n_train=100, p=0.3, seed=4)
    b = related_tasks(n_train=100, p=0.3, seed=4)
    c = related_tasks(n_train=500, p=0.8, seed=4)
    np.testing.assert_array_equal(a.train.x, b.train.x)
    np.testing.assert_array_equal(a.test.y["task2"], b.test.y["task2"])
    # the test inputs and task 1 do not move when n_train or p change
    np.testing.assert_array_equal(a.test.x, c.test.x)
    np.testing.assert_array_equal(a.test.y["task1"], c.test.y["task1"])
    np.testing.assert_array_equal(a.train.x, c.train.x[:100])
    assert not np.array_equal(a.train.x, related_tasks(n_train=100, seed=5).train.x)


@pytest.mark.parametrize("p, low, high", [(0.0, -0.1, 0.1), (1.0, 0.97, 1.0), (0.5, 0.3, 0.6)])
def test_label_correlation_follows_p(p, low, high):
    corr = label_correlation(related_tasks(n_train=10, n_test=5000, p=p, seed=0))
    assert low <= corr[0, 1] <= high


def test_label_correlation_rises_with_p():
    values = [label_correlation(related_tasks(n_test=4000, p=p, seed=2))[0, 1]
              for p in (-1.0, -0.5, 0.0, 0.5, 0.9, 1.0)]
    assert all(a < b for a, b in zip(values, values[1:], strict=False))


def test_with_train_size_keeps_the_rest():
    data = related_tasks(n_train=200, seed=0)
    small = data.with_train_size(20)
    assert len(small.train) == 20 and small.test is data.test
    with pytest.raises(ValueError, match="n must be <= 200"):
        data.with_train_size(201)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"p": 1.5}, "p must be <= 1.0, got 1.5"),
        ({"p": -2}, "p must be >= -1.0, got -2"),
        ({"n_train": 0}, "n_train must be >= 1, got 0"),
        ({"n_tasks": 0}, "n_tasks must be >= 1, got 0"),
        ({"noise_std": -1.0}, "noise_std must be >= 0.0"),
        ({"scale": 0.0}, "scale must be > 0.0"),
        ({"dim": 2, "n_tasks": 3}, "dim must be >= 3"),
    ],
)
def test_related_tasks_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        related_tasks(**kwargs)


def test_related_tasks_rejects_wrong_types():
    with pytest.raises(TypeError, match="n_train must be an integer, got 10.5"):
        related_tasks(n_train=10.5)
    with pytest.raises(TypeError, match="p must be a number"):
        related_tasks(p="high")


def test_label_correlation_rejects_unknown_split():
    with pytest.raises(ValueError, match="split must be"):
        label_correlation(related_tasks(n_train=5), split="dev")


def test_digit_pairs_images_labels_and_disjoint_pools():
    from mtl_lessons.data import digit_pairs

    data = digit_pairs(n_train=300, n_val=50, n_test=80, tasks=("left", "right", "sum", "same"), seed=3)
    assert data.train.x.shape == (300, 8, 16) and data.input_shape == (8, 16)
    assert 0.0 <= data.train.x.min() and data.train.x.max() <= 1.0
    assert data.n_classes == {"left": 10, "right": 10, "sum": 19, "same": 2}
    assert data.output_sizes()["sum"] == 19
    y = data.train.y
    np.testing.assert_array_equal(y["sum"], y["left"] + y["right"])
    np.testing.assert_array_equal(y["same"], (y["left"] == y["right"]).astype(np.int64))
    assert set(data.kinds.values()) == {CLASSIFICATION}
    again = digit_pairs(n_train=300, n_val=50, n_test=80, tasks=("left", "right", "sum", "same"), seed=3)
    np.testing.assert_array_equal(again.test.x, data.test.x)
    # no digit image of the test pool appears in the training pool
    train_halves = {h.tobytes() for x in data.train.x for h in (x[:, :8], x[:, 8:])}
    test_halves = {h.tobytes() for x in data.test.x for h in (x[:, :8], x[:, 8:])}
    assert not train_halves & test_halves


def test_digit_pairs_from_one_pool_reuse_training_images_in_the_test_split():
    from mtl_lessons.data import digit_pairs

    careless = digit_pairs(n_train=300, n_val=50, n_test=1000, tasks=("left", "sum"), seed=3, pools="one")
    assert careless.info["pools"] == "one"
    assert careless.info["pool_sizes"] == dict.fromkeys(("train", "val", "test"), 1797)
    train_halves = {h.tobytes() for x in careless.train.x for h in (x[:, :8], x[:, 8:])}
    seen = np.array([[h.tobytes() in train_halves for h in (x[:, :8], x[:, 8:])] for x in careless.test.x])
    # each half is one of 1,797 images; 600 draws cover about 1 - (1 - 1/1797)^600 = 28 % of them
    expected = 1 - (1 - 1 / 1797) ** 600
    assert abs(seen.mean() - expected) < 0.04
    assert digit_pairs(n_train=5, n_val=5, n_test=5, seed=3).info["pools"] == "disjoint"  # the default
    with pytest.raises(ValueError, match="pools must be one of 'disjoint', 'one'"):
        digit_pairs(pools="shared")


def test_digit_pairs_rejects_unknown_tasks():
    from mtl_lessons.data import digit_pairs

    with pytest.raises(ValueError, match=r"unknown digit task\(s\) \['middle'\]; choose from"):
        digit_pairs(tasks=("left", "middle"))
    with pytest.raises(ValueError, match="must not repeat"):
        digit_pairs(tasks=("left", "left"))
    with pytest.raises(ValueError, match="n_test must be >= 1"):
        digit_pairs(n_test=0)


@pytest.mark.parametrize("kind", [REGRESSION, CLASSIFICATION])
@pytest.mark.parametrize("empty", ["train", "val", "test"])
def test_data_with_an_empty_split_are_refused_and_the_split_named(empty, kind):
    from mtl_lessons.data import MultiTaskData, Split

    def split(n):
        return Split(np.zeros((n, 3), np.float32), {"t": np.zeros(n, np.float32)})

    splits = {name: split(0 if name == empty else 4) for name in ("train", "val", "test")}
    with pytest.raises(ValueError, match=rf"^the {empty} split has no examples; every split needs"):
        MultiTaskData(**splits, kinds={"t": kind}, n_classes={"t": 2} if kind == CLASSIFICATION else {})
