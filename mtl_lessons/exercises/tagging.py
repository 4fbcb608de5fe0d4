"""Checkers for the exercises of the chapter on sequence tagging.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer. The reference answers come from the
package's own :mod:`mtl_lessons.metrics.tagging` or, for the loss, from a NumPy computation.
PyTorch is imported only inside the checker that needs it.
"""

from __future__ import annotations

from collections.abc import Callable

from mtl_lessons.data.base import MultiTaskData
from mtl_lessons.exercises import NOT_ANSWERED, Feedback, checker, multiple_choice
from mtl_lessons.metrics import entity_f1

# Exercise 12.1: a token-level loss for tags that only some sentences carry -------------------------


def _reference_masked_tag_loss(logits, tags, labelled, pad_tag: int) -> float:
    """The mean cross-entropy over the real tokens of the labelled sentences, in NumPy (log-sum-exp)."""
    import numpy as np

    z = logits.detach().double().numpy()  # (n, classes, L)
    log_p = z - z.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    t = tags.numpy()
    picked = np.take_along_axis(log_p, t[:, None, :], axis=1)[:, 0, :]  # (n, L): log p of the true tag
    counted = labelled.numpy()[:, None] & (t != pad_tag)
    return float(-picked[counted].mean())


def _masked_tag_batch(seed: int, n: int, length: int, classes: int, labelled_rows: list[int]):
    """A batch of random logits and tags, sentences of random lengths padded with tag 0."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, classes, length, generator=generator, dtype=torch.float64, requires_grad=True)
    tags = torch.randint(1, classes, (n, length), generator=generator)
    lengths = torch.randint(2, length + 1, (n,), generator=generator)
    tags[torch.arange(length)[None, :] >= lengths[:, None]] = 0  # the pads
    labelled = torch.zeros(n, dtype=torch.bool)
    labelled[labelled_rows] = True
    return logits, tags, labelled


@checker
def check_masked_tag_loss(function: Callable) -> Feedback:
    """Exercise 12.1: ``function(logits, tags, labelled, pad_tag)`` is the token-level loss of a task that
    only some sentences carry: the mean cross-entropy over the real (non-pad) tokens of the sentences
    with ``labelled`` True, each token counting once.
    """
    import torch
    import torch.nn.functional as F

    for seed, rows in ((0, [0, 2, 3]), (1, [4]), (2, [0, 1, 2, 3, 4, 5])):
        logits, tags, labelled = _masked_tag_batch(seed, 6, 8, 5, rows)
        value = function(logits, tags.clone(), labelled.clone(), 0)
        if value is None:
            return NOT_ANSWERED
        if not isinstance(value, torch.Tensor) or value.ndim != 0:
            return Feedback(False, "Return one number as a scalar tensor, so that it can be back-propagated; "
                                   f"got {type(value).__name__}.")
        if value.grad_fn is None:
            return Feedback(False, "Your loss has no gradient: compute it with torch operations on `logits`.")
        expected = _reference_masked_tag_loss(logits, tags, labelled, 0)
        if abs(value.item() - expected) <= 1e-6 * max(1.0, abs(expected)):
            continue
        token_loss = F.cross_entropy(logits, tags, reduction="none").detach()  # (n, L)
        real = tags != 0
        counted = labelled[:, None] & real
        mistakes = {
            "pads": token_loss[labelled].mean(),
            "unlabelled": token_loss[real].mean(),
            "per sentence": torch.stack([token_loss[i][real[i]].mean() for i in rows]).mean(),
            "divided by all": token_loss[counted].sum() / counted.numel(),
        }
        found = next((k for k, v in mistakes.items() if abs(value.item() - v.item()) <= 1e-6), None)
        message = {
            "pads": "You count the pads of the labelled sentences: leave out the positions whose tag is "
                    "`pad_tag`, they carry no label.",
            "unlabelled": "You count the sentences that carry no tags for this task (labelled is False): "
                          "their tags are placeholders, not labels.",
            "per sentence": "You average each sentence's tokens, then the sentences: a short sentence then "
                            "weighs as much as a long one. Average over the counted tokens directly.",
            "divided by all": "You sum over the counted tokens but divide by every position of the batch: "
                              "divide by the number of counted tokens.",
        }.get(found, f"Your loss is {value.item():.4f}; the mean cross-entropy over the real tokens of "
                     f"the labelled sentences is {expected:.4f}.")
        return Feedback(False, message)
    logits, tags, labelled = _masked_tag_batch(0, 6, 8, 5, [0, 2, 3])
    (grad,) = torch.autograd.grad(function(logits, tags, labelled, 0), logits)
    outside = ~(labelled[:, None] & (tags != 0))  # (n, L): positions that must not count
    if torch.any(grad.permute(0, 2, 1)[outside] != 0):
        return Feedback(False, "The pads or the unlabelled sentences receive a gradient: they must not move "
                               "the model.")
    return Feedback(True, "Your loss counts each real token of the labelled sentences once, and only those "
                          "receive a gradient.")


# Exercise 12.2: entity-level precision, recall and F1 by hand --------------------------------------

F1_TRUE = [["B-PER", "I-PER", "O", "O", "B-LOC"],
           ["O", "B-LOC", "I-LOC", "O", "B-PER"]]
F1_PREDICTED = [["B-PER", "O", "O", "O", "B-LOC"],
                ["B-PER", "B-LOC", "I-LOC", "O", "B-LOC"]]


@checker
def check_entity_f1_by_hand(precision: object, recall: object, f1: object) -> Feedback:
    """Exercise 12.2: entity-level precision, recall and F1 of ``F1_PREDICTED`` against ``F1_TRUE``."""
    reference = entity_f1(F1_TRUE, F1_PREDICTED)
    answers = {}
    for name, value in (("precision", precision), ("recall", recall), ("f1", f1)):
        try:
            answers[name] = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return Feedback(False, f"`{name}` should be a number between 0 and 1; got {value!r}.")
    pairs = [(a, b) for t, p in zip(F1_TRUE, F1_PREDICTED, strict=True) for a, b in zip(t, p, strict=True)]
    token_accuracy = sum(a == b for a, b in pairs) / len(pairs)
    if any(abs(v - token_accuracy) < 1e-3 for v in answers.values()):
        return Feedback(False, f"{token_accuracy:.3g} is the token accuracy (tags that match). Entity-level "
                               "scores count whole entities: list the true and the predicted spans first.")
    partial = reference["found"] + 1  # counting 'B-PER O' as the person 'B-PER I-PER'
    if (abs(answers["precision"] - partial / reference["predicted"]) < 1e-3
            or abs(answers["recall"] - partial / reference["true"]) < 1e-3):
        return Feedback(False, "An entity counts only if its type, its first and its last token all match: "
                               "'B-PER O' finds a one-token person, not the two-token one.")
    swapped = (abs(answers["precision"] - reference["recall"]) < 1e-3
               and abs(answers["recall"] - reference["precision"]) < 1e-3)
    if swapped and abs(reference["precision"] - reference["recall"]) > 1e-3:
        return Feedback(False, "You swapped precision and recall: precision divides by the predicted "
                               "entities, recall by the true ones.")
    for name in ("precision", "recall", "f1"):
        if abs(answers[name] - reference[name]) > 1e-3:
            hint = {"precision": f"found / predicted = {reference['found']} / {reference['predicted']}",
                    "recall": f"found / true = {reference['found']} / {reference['true']}",
                    "f1": "the harmonic mean 2PR / (P + R), not the arithmetic mean"}[name]
            return Feedback(False, f"`{name}` = {answers[name]:.3g} is not right; it is {hint}.")
    found, predicted, true = reference["found"], reference["predicted"], reference["true"]
    return Feedback(True, f"{found} of {predicted} predicted entities are right and {found} of {true} true "
                          f"ones are found: P = {reference['precision']:.3g}, R = {reference['recall']:.3g}, "
                          f"F1 = {reference['f1']:.3g}.")


# Exercise 12.3: the tagger that says O everywhere ---------------------------------------------------


@checker
def check_all_o_baseline(token_accuracy: object, f1: object, data: MultiTaskData) -> Feedback:
    """Exercise 12.3: token accuracy and entity F1, on ``data``'s test split, of a tagger that says ``O``."""
    if not isinstance(data, MultiTaskData) or "entities" not in data.kinds:
        return Feedback(False, "Pass the chapter's data set (from tagged_sentences) as the third argument.")
    tokens, tags = data.test.x, data.test.y["entities"]
    outside = list(data.info["tags"]["entities"]).index("O")
    real = tokens != data.info["pad"]
    expected_accuracy, expected_f1 = float((tags[real] == outside).mean()), 0.0
    try:
        accuracy, score = float(token_accuracy), float(f1)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return Feedback(False, f"Give two numbers, the token accuracy and the entity F1; got "
                               f"{token_accuracy!r} and {f1!r}.")
    if accuracy > 1 or score > 1:
        return Feedback(False, "Give fractions between 0 and 1, not percentages.")
    if abs(accuracy - expected_accuracy) > 5e-3:
        if accuracy < expected_accuracy - 0.05:
            return Feedback(False, f"Your token accuracy {accuracy:.3f} is too low: did you count the pads? "
                                   "Score only the real tokens (token id > 0), where O is right unless the "
                                   "token is in a name.")
        return Feedback(False, f"Your token accuracy {accuracy:.3f} is off: it is the share of real tokens "
                               "whose true entity tag is O.")
    if abs(score - expected_f1) > 1e-6:
        return Feedback(False, "The all-O tagger predicts no entity at all: its precision and recall are 0, "
                               "and so is its F1.")
    return Feedback(True, f"A token accuracy of {expected_accuracy:.3f} with an F1 of 0: token accuracy "
                          "rewards the many O tags; entity F1 asks for the names.")


# Exercise 12.4: where to put an auxiliary task for low-resource NER --------------------------------

_PLAN_EXPLANATIONS = {
    "a": "Right. Part of speech is a low-level, closely related task with plenty of labels; supervising "
         "it at the lower layer (Søgaard and Goldberg, 2016) shapes the features the entity layer builds on, "
         "and alternating batches let the two tasks come from different sentences.",
    "b": "a head that reads the entity predictions can only be trained after them; it does not shape the "
         "shared layers that the entity task reads, and it passes the entity errors on.",
    "c": "the tasks need not share their sentences: with alternating training (one task's batch per step, "
         "as in the PyTorch chapter) each task brings its own data set.",
    "d": "a label per document says little about which words are names; part of speech, a label per word "
         "that is closely tied to names, is the related task here.",
}


@checker
def check_auxiliary_plan(plan: object) -> Feedback:
    """Exercise 12.4: the plan for a low-resource entity tagger with a large POS treebank."""
    return multiple_choice(plan, "a", _PLAN_EXPLANATIONS)
