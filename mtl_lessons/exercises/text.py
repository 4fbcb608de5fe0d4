"""Checkers for the exercises of the text chapter (sentiment and topic of generated reviews).

Importing this module is cheap: Keras is imported only inside the checker that builds a
student's model. The reference answers come from the grammar of :mod:`mtl_lessons.data.reviews`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

from mtl_lessons.data.reviews import TOPICS, VOCABULARY, review_polarity
from mtl_lessons.exercises import Feedback, checker, multiple_choice

TASK_CLASSES = {"sentiment": 2, "topic": 4}

# Exercise 11.1: two heads on a shared encoder ----------------------------------------------------


@checker
def check_two_heads(function: Callable) -> Feedback:
    """Exercise 11.1: ``function(embedding, encoder, seq_len)`` returns a Keras model with two heads.

    The model must read token ids ``(n, seq_len)``, pass them through the given ``embedding``
    and ``encoder`` layers (shared by both tasks) and return a dict of logits:
    ``{"sentiment": (n, 2), "topic": (n, 4)}``.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    python_state = random.getstate()  # building layers draws seeds: leave the caller's stream alone
    try:
        keras.utils.set_random_seed(0)
        embedding = keras.layers.Embedding(len(VOCABULARY), 8, name="given_embedding")
        encoder = keras.Sequential([keras.layers.Conv1D(8, 3, padding="same", activation="relu"),
                                    keras.layers.GlobalMaxPooling1D()], name="given_encoder")
        seq_len = 12
        model = function(embedding, encoder, seq_len)
    finally:
        random.setstate(python_state)
    if not isinstance(model, keras.Model):
        return Feedback(False, "Return a keras.Model (keras.Model(inputs, outputs)); got "
                               f"{type(model).__name__}.")
    tokens = np.random.default_rng(0).integers(1, len(VOCABULARY), size=(5, seq_len))
    try:
        outputs = model(tokens)
    except Exception as error:  # noqa: BLE001 - a wrong input shape or dtype is the student's to fix
        first_line = str(error).splitlines()[0][:200] if str(error) else ""
        return Feedback(False, f"Calling the model on token ids of shape (5, {seq_len}) raised "
                               f"{type(error).__name__}: {first_line}. Its input should be "
                               f"keras.Input(shape=({seq_len},), dtype='int32').")
    if not isinstance(outputs, dict):
        return Feedback(False, "The model returns a list or a single tensor; return a dict {task: output} "
                               "(keras.Model(tokens, {'sentiment': ..., 'topic': ...})) so that fit can "
                               "match each output with its task's targets by name.")
    if set(outputs) != set(TASK_CLASSES):
        return Feedback(False, f"The outputs are named {sorted(outputs)}; name them after the tasks, "
                               f"{sorted(TASK_CLASSES)}.")
    for task, classes in TASK_CLASSES.items():
        shape = tuple(outputs[task].shape)
        if shape != (5, classes):
            return Feedback(False, f"The {task!r} output has shape {shape} for 5 reviews; expected "
                                   f"(5, {classes}), one score per class. Did the encoder reduce the "
                                   "sequence to one vector per review?")
        probabilities = keras.ops.convert_to_numpy(outputs[task])
        if np.all(probabilities >= 0) and np.allclose(probabilities.sum(-1), 1, atol=1e-5):
            return Feedback(False, f"The {task!r} output sums to 1 over the classes: it ends in a "
                                   "softmax. The book's losses take logits (from_logits=True); leave the "
                                   "last layer linear.")
    if not any(layer is embedding for layer in model._flatten_layers()):
        return Feedback(False, "The model does not use the given embedding layer: build it from `embedding` "
                               "and `encoder` so that both tasks read the same word vectors.")
    variable = embedding.embeddings
    for task in TASK_CLASSES:
        with tf.GradientTape() as tape:
            score = tf.reduce_sum(model(tokens)[task])
        gradient = tape.gradient(score, variable)
        if gradient is None:
            return Feedback(False, f"The {task!r} head does not reach the given embedding: both heads "
                                   "must read the output of the shared encoder.")
    return Feedback(True, "Both heads read the one shared encoder, and each outputs logits of the right "
                          "size: this is hard sharing, as TextEncoderNet(share='encoder') builds it.")


# Exercise 11.2: score a review by the grammar ----------------------------------------------------

SCORED_REVIEW = "we stayed at this hotel . the bed was not bad . it is small . it was long ."
SCORED_TOPIC = "hotel"


@checker
def check_review_score(score: object, label: object) -> Feedback:
    """Exercise 11.2: the grammar's score of :data:`SCORED_REVIEW` (a hotel review) and its label."""
    if isinstance(score, bool) or not isinstance(score, int | float):
        return Feedback(False, f"`score` should be a whole number, the sum of the clauses' polarities; got "
                               f"{score!r}.")
    if not isinstance(label, str) or label.strip().lower() not in ("negative", "positive"):
        return Feedback(False, f"`label` should be 'negative' or 'positive'; got {label!r}.")
    expected = review_polarity(SCORED_REVIEW, SCORED_TOPIC)  # +1 - 1 - 1
    expected_label = "positive" if expected > 0 else "negative"
    if score == expected and label.strip().lower() == expected_label:
        return Feedback(True, f"Score {expected}: 'not bad' is +1, and in a hotel 'small' and 'long' are "
                              "both -1, so the review is negative, although a phone review with the same "
                              "words would be positive.")
    if score == expected:
        return Feedback(False, f"The score {expected} is right; the label is the sign of the score.")
    if score == -3:
        return Feedback(False, "You read 'not bad' as negative: 'not' flips the polarity of the adjective "
                               "in its own clause, so 'not bad' counts +1.")
    if score == 3:
        return Feedback(False, "You read 'small' and 'long' as good, which they are for a phone or a book; "
                               "this is a hotel review (see TOPICAL_POLARITY): a small room and a long "
                               "wait are bad.")
    if score == 1:
        return Feedback(False, "You left out the topic-dependent words: 'small' and 'long' carry a "
                               "polarity too, which depends on the topic.")
    return Feedback(False, f"A score of {score} is not right: add +1 or -1 per clause that holds a sentiment "
                           "word; 'not' flips it, and 'small' and 'long' take the hotel's polarity.")


# Exercise 11.3: one bag of words, two sentiments --------------------------------------------------


@checker
def check_same_bag(first: object, second: object, topic: object = "phone") -> Feedback:
    """Exercise 11.3: two reviews with the same words (as a bag) but opposite sentiment by the grammar."""
    if not isinstance(topic, str) or topic not in TOPICS:
        return Feedback(False, f"`topic` should be one of {list(TOPICS)}; got {topic!r}.")
    reviews = []
    for name, text in (("first", first), ("second", second)):
        if not isinstance(text, str):
            return Feedback(False, f"`{name}` should be a review as a string of words; got {text!r}.")
        words = text.replace(".", " . ").split()
        unknown = sorted({w for w in words if w not in VOCABULARY})
        if unknown:
            return Feedback(False, f"`{name}` uses words that are not in the vocabulary: {unknown}.")
        if not words:
            return Feedback(False, f"`{name}` is empty.")
        reviews.append(words)
    bags = [Counter(w for w in words if w != ".") for words in reviews]
    if bags[0] != bags[1]:
        extra = sorted((bags[0] - bags[1]).elements())
        missing = sorted((bags[1] - bags[0]).elements())
        return Feedback(False, f"The two reviews are not the same bag of words: the first has {extra} "
                               f"more and {missing} fewer than the second. Move words around, do not "
                               "change them.")
    scores = [review_polarity(words, topic) for words in reviews]
    if 0 in scores:
        return Feedback(False, f"The grammar scores them {scores[0]} and {scores[1]}: a score of 0 has no "
                               "sentiment. Give each review a non-zero score.")
    if (scores[0] > 0) == (scores[1] > 0):
        return Feedback(False, f"Same bag of words, but the grammar scores them {scores[0]} and "
                               f"{scores[1]}: the same sentiment. Move 'not' to another clause (or move "
                               "'.') so that it negates a different word.")
    return Feedback(True, f"Same words, scores {scores[0]} and {scores[1]}: a model that sees only the bag "
                          "of words (the 'pool' encoder) must give both the same prediction, so it gets one "
                          "of them wrong; a convolution over neighbouring words can tell them apart.")


# Exercise 11.4: what to share between sentiment and spam -------------------------------------------

SHARING_PLAN_ANSWER = "b"
SHARING_PLAN_EXPLANATIONS = {
    "a": "One head that outputs both labels is still hard sharing, and it forces two unrelated decisions "
         "through the same last layer; nothing in the chapter suggests the spam cues and the opinion cues "
         "need the same encoder features.",
    "b": "The word vectors are where the two tasks overlap (both must know what the words mean), while the "
         "cues differ (opinion words and negation for sentiment; links, offers and repetition for spam). "
         "Sharing the embedding and keeping task-specific encoders is TextEncoderNet(share='embedding'); "
         "whether it beats full sharing and single-task models is measured on validation data.",
    "c": "'Unrelated' is a guess, not a measurement: the tasks read the same vocabulary, and sharing the "
         "lowest layer costs little. Keep the single-task models as the baseline, but test sharing.",
    "d": "The output layers are the most task-specific part; sharing them while keeping separate encoders "
         "turns the usual design upside down.",
}


@checker
def check_sharing_plan(plan: object) -> Feedback:
    """Exercise 11.4: the sharing plan for a sentiment task and a spam task on the same reviews."""
    return multiple_choice(plan, SHARING_PLAN_ANSWER, SHARING_PLAN_EXPLANATIONS)
