"""Checkers for the exercises of the chapter on sequence tagging.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer. The reference answers come from the
package's own :mod:`mtl_lessons.metrics.tagging`.
"""

from __future__ import annotations

from collections.abc import Callable

from mtl_lessons.data.base import MultiTaskData
from mtl_lessons.exercises import Feedback, checker, multiple_choice
from mtl_lessons.metrics import bio_spans, entity_f1

# Exercise 1: BIO tags to entity spans ----------------------------------------------------------

_SPAN_CASES = [  # (tags, what the case tests)
    (["B-PER", "I-PER", "O", "B-LOC"], "a two-token person and a one-token place"),
    (["O", "O", "O"], "a sentence without entities"),
    (["B-LOC", "I-LOC", "I-LOC"], "an entity that runs to the end of the sentence"),
    (["B-PER", "B-PER", "O"], "two one-token persons side by side (each B- starts a new entity)"),
    (["B-PER", "I-LOC", "O"], "an I- tag of another type than the entity before it"),
    (["O", "I-PER", "I-PER", "O"], "an I- tag after O (the CoNLL script starts an entity there)"),
    (["B-LOC", "O", "I-LOC"], "an I- tag after an O that interrupts an entity"),
]


def _normalise(spans: object) -> list[tuple[str, int, int]] | Feedback:
    try:
        result = [(str(kind), int(start), int(end)) for kind, start, end in spans]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return Feedback(False, f"Return a list of (type, start, end) triples such as [('PER', 0, 1)]; got "
                               f"{spans!r}.")
    return sorted(result, key=lambda s: (s[1], s[2], s[0]))


@checker
def check_bio_spans(function: Callable) -> Feedback:
    """Exercise 1: ``function(tags)`` returns the entities of one sentence as ``(type, start, end)``."""
    for tags, what in _SPAN_CASES:
        mine = _normalise(function(list(tags)))
        if isinstance(mine, Feedback):
            return mine
        expected = bio_spans(tags)
        if mine == expected:
            continue
        exclusive = [(k, s, e + 1) for k, s, e in expected]
        if mine == exclusive:
            return Feedback(False, f"For {tags} you return {mine}: make `end` the position of the last "
                                   f"token (inclusive), {expected}.")
        with_prefix = [(f"B-{k}", s, e) for k, s, e in expected]
        if mine == with_prefix or any(k.startswith(("B-", "I-")) for k, _, _ in mine):
            return Feedback(False, f"For {tags} give the entity type without its prefix ('PER', not "
                                   "'B-PER').")
        return Feedback(False, f"For {what}, {tags}, the entities are {expected}; yours are {mine}.")
    return Feedback(True, "Your spans match the CoNLL reading of BIO tags, including stray I- tags.")


# Exercise 2: entity-level precision, recall and F1 by hand --------------------------------------

F1_TRUE = [["B-PER", "I-PER", "O", "O", "B-LOC"],
           ["O", "B-LOC", "I-LOC", "O", "B-PER"]]
F1_PREDICTED = [["B-PER", "O", "O", "O", "B-LOC"],
                ["B-PER", "B-LOC", "I-LOC", "O", "B-LOC"]]


@checker
def check_entity_f1_by_hand(precision: object, recall: object, f1: object) -> Feedback:
    """Exercise 2: entity-level precision, recall and F1 of ``F1_PREDICTED`` against ``F1_TRUE``."""
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


# Exercise 3: the tagger that says O everywhere ---------------------------------------------------


@checker
def check_all_o_baseline(token_accuracy: object, f1: object, data: MultiTaskData) -> Feedback:
    """Exercise 3: token accuracy and entity F1, on ``data``'s test split, of a tagger that says ``O``."""
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


# Exercise 4: where to put an auxiliary task for low-resource NER --------------------------------

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
    """Exercise 4: the plan for a low-resource entity tagger with a large POS treebank."""
    return multiple_choice(plan, "a", _PLAN_EXPLANATIONS)
