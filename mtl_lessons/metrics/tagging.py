"""Metrics of sequence tagging: BIO tags to entity spans, entity-level F1, token accuracy without pads.

Token accuracy counts tags; entity-level F1 counts whole entities, as the CoNLL shared tasks do
(Tjong Kim Sang and De Meulder, 2003): a predicted entity is right only if its type, first token and
last token all match a true entity. A tagger that gets ``O`` right everywhere and half of every name
wrong has a high token accuracy and an entity F1 near 0. The tagging chapter shows :func:`bio_spans`
and computes an entity F1 by hand; the tests check both against seqeval, the reference implementation
of the CoNLL evaluation in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score

Span = tuple[str, int, int]  # (type, first position, last position), both inclusive


def bio_spans(tags: Sequence[str]) -> list[Span]:
    """The entities of one sentence's BIO tags, as ``(type, start, end)`` with ``end`` inclusive.

    ``B-X`` starts an entity of type ``X``; ``I-X`` continues it if the previous token belongs
    to an entity of the same type, and otherwise starts a new one (as the CoNLL evaluation script
    reads an ``I-`` that follows ``O`` or another type). ``O``, ``PAD`` and anything that is not
    ``B-``/``I-`` end the current entity.
    """
    if isinstance(tags, str):
        raise TypeError(f"tags must be a sequence of tag strings such as ['B-PER', 'I-PER', 'O']; got the "
                        f"string {tags!r}")
    spans: list[Span] = []
    current: list | None = None  # [type, start, end]
    for k, tag in enumerate(tags):
        if not isinstance(tag, str):
            raise TypeError(f"tag {k} must be a string such as 'B-LOC'; got {tag!r}")
        prefix, _, kind = tag.partition("-")
        if prefix == "I" and kind and current is not None and current[0] == kind and current[2] == k - 1:
            current[2] = k
            continue
        if current is not None:
            spans.append(tuple(current))  # type: ignore[arg-type]
            current = None
        if prefix in ("B", "I") and kind:
            current = [kind, k, k]
    if current is not None:
        spans.append(tuple(current))  # type: ignore[arg-type]
    return spans


def _as_names(tags: object, names: Sequence[str] | None) -> list[list[str]]:
    """Sentences of tags as lists of strings: from strings, or from ids through ``names``."""
    array = np.asarray(tags, dtype=object)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2:
        raise ValueError(f"tags must be one sentence or a batch (n, seq_len); got shape {array.shape}")
    if names is None:
        return [[str(t) for t in row] for row in array]
    return [[names[int(t)] for t in row] for row in array]


def entity_f1(
    true_tags: object, predicted_tags: object, names: Sequence[str] | None = None
) -> dict[str, float]:
    """Entity-level precision, recall and F1 over all sentences (micro-averaged), with the counts.

    ``true_tags`` and ``predicted_tags`` are one sentence or a batch ``(n, seq_len)``, of tag
    strings, or of tag ids with their ``names`` (such as ``ENTITY_TAGS``). An entity counts as found
    when the prediction has the same type and the same first and last positions. With no entity
    predicted (or none true), precision (or recall) is 0, and so is F1.
    """
    true_rows, predicted_rows = _as_names(true_tags, names), _as_names(predicted_tags, names)
    if len(true_rows) != len(predicted_rows) or any(
            len(a) != len(b) for a, b in zip(true_rows, predicted_rows, strict=True)):
        raise ValueError("true_tags and predicted_tags must have the same shape (one tag per token)")
    found = predicted = true = 0
    for true_row, predicted_row in zip(true_rows, predicted_rows, strict=True):
        gold, guess = set(bio_spans(true_row)), set(bio_spans(predicted_row))
        found += len(gold & guess)
        predicted += len(guess)
        true += len(gold)
    precision = found / predicted if predicted else 0.0
    recall = found / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "found": found, "predicted": predicted,
            "true": true}


def token_accuracy(
    true_ids: np.ndarray, predicted_ids: np.ndarray, tokens: np.ndarray, pad: int = 0
) -> float:
    """Share of real tokens (``tokens != pad``) whose predicted tag id equals the true one."""
    true_ids, predicted_ids, tokens = np.asarray(true_ids), np.asarray(predicted_ids), np.asarray(tokens)
    if not true_ids.shape == predicted_ids.shape == tokens.shape:
        raise ValueError(f"true_ids, predicted_ids and tokens must have one shape; got {true_ids.shape}, "
                         f"{predicted_ids.shape} and {tokens.shape}")
    real = tokens != pad
    if not real.any():
        raise ValueError("every token is a pad; there is nothing to score")
    return float(accuracy_score(true_ids[real], predicted_ids[real]))
