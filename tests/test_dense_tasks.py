"""Dense tasks (a class or a value per position) and integer inputs go through the same loss and loop."""

import numpy as np
import pytest
import torch
from torch import nn

from mtl_lessons.data.base import CLASSIFICATION, REGRESSION, MultiTaskData, Split
from mtl_lessons.torch import fit
from mtl_lessons.torch.losses import task_loss, task_metric
from mtl_lessons.torch.models.common import MultiTaskNet


def test_dense_classification_loss_is_the_mean_over_positions():
    logits = torch.randn(4, 3, 5, 6)
    labels = torch.randint(0, 3, (4, 5, 6))
    per_position = nn.functional.cross_entropy(logits, labels, reduction="none")
    assert torch.isclose(task_loss(logits, labels, CLASSIFICATION), per_position.mean())
    accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
    assert task_metric(logits, labels, CLASSIFICATION) == pytest.approx(accuracy)


def test_dense_classification_with_wrong_shapes_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(4, 3, 5\) and \(4, 6\)"):
        task_loss(torch.randn(4, 3, 5), torch.zeros(4, 6, dtype=torch.long), CLASSIFICATION)


def test_split_accepts_dense_targets_and_refuses_a_wrong_first_dimension():
    x = np.zeros((3, 2, 4), np.float32)
    Split(x, {"tags": np.zeros((3, 4))})
    with pytest.raises(ValueError, match=r"one row per example"):
        Split(x, {"tags": np.zeros((4, 4))})


def test_select_takes_rows_by_index_or_mask_and_refuses_an_empty_selection():
    split = Split(np.arange(10, dtype=np.float32).reshape(5, 2), {"t": np.arange(5.0)})
    assert split.select(np.array([True, False, True, False, False])).y["t"].tolist() == [0.0, 2.0]
    assert split.select(np.array([4, 1])).y["t"].tolist() == [4.0, 1.0]
    with pytest.raises(ValueError, match="one entry per example"):
        split.select(np.array([True, False]))
    with pytest.raises(ValueError, match="no example"):
        split.select(np.zeros(5, bool))


class _Tagger(MultiTaskNet):
    """Token ids -> a tag per token and one value per sentence: integer inputs and a dense head."""

    def __init__(self) -> None:
        super().__init__(6, {"tag": 3, "length": 1})
        self.embed = nn.Embedding(10, 8)
        self.tag = nn.Linear(8, 3)
        self.length = nn.Linear(8, 1)

    def forward(self, x, task=None):
        assert x.dtype == torch.long
        h = self.embed(x)
        return {"tag": self.tag(h).transpose(1, 2), "length": self.length(h.mean(1)).squeeze(-1)}


def test_fit_trains_on_token_ids_with_a_dense_classification_head():
    rng = np.random.default_rng(0)

    def split(n):
        x = rng.integers(0, 10, (n, 6))
        return Split(x, {"tag": x % 3, "length": (x > 4).mean(1).astype(np.float32)})

    data = MultiTaskData(split(64), split(16), split(16), {"tag": CLASSIFICATION, "length": REGRESSION},
                         n_classes={"tag": 3})
    history = fit(_Tagger(), data, epochs=60, lr=0.05, seed=0)
    assert history.val_metric["tag"][-1] > 0.9  # token id mod 3 is learnable from the embedding alone
