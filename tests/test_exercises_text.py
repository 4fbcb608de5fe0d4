"""The checkers of the text chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import pytest

from mtl_lessons.data.reviews import review_polarity
from mtl_lessons.exercises import NOT_ANSWERED
from mtl_lessons.exercises.text import (
    SCORED_REVIEW,
    SCORED_TOPIC,
    check_review_score,
    check_same_bag,
    check_sharing_plan,
    check_two_heads,
)

# ---------------------------------------------------------------- exercise 1: two heads (needs Keras)


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("mtl_lessons.keras")
    import keras

    return keras


def _heads(keras, *, activation=None, names=("sentiment", "topic"), units=(2, 4), as_list=False, shared=True):
    def build(embedding, encoder, seq_len):
        tokens = keras.Input(shape=(seq_len,), dtype="int32")
        features = encoder(embedding(tokens))
        if not shared:  # the topic head reads a second, unrelated pipeline
            other = keras.layers.Embedding(200, 8)(tokens)
            other_features = keras.layers.GlobalAveragePooling1D()(other)
        else:
            other_features = features
        outputs = [keras.layers.Dense(units[0], activation=activation, name=names[0])(features),
                   keras.layers.Dense(units[1], activation=activation, name=names[1])(other_features)]
        return keras.Model(tokens, outputs if as_list else dict(zip(names, outputs, strict=True)))

    return build


def test_two_heads_right_answer(keras):
    assert check_two_heads(_heads(keras)).ok


def test_two_heads_typical_mistakes(keras):
    assert "softmax" in check_two_heads(_heads(keras, activation="softmax")).message
    assert "dict" in check_two_heads(_heads(keras, as_list=True)).message
    assert "named" in check_two_heads(_heads(keras, names=("sent", "topic"))).message
    assert "(5, 4)" in check_two_heads(_heads(keras, units=(2, 3))).message
    assert "reach the given embedding" in check_two_heads(_heads(keras, shared=False)).message

    def ignores_embedding(embedding, encoder, seq_len):
        tokens = keras.Input(shape=(seq_len,), dtype="int32")
        features = encoder(keras.layers.Embedding(200, 8)(tokens))
        return keras.Model(tokens, {"sentiment": keras.layers.Dense(2)(features),
                                    "topic": keras.layers.Dense(4)(features)})

    assert "given embedding" in check_two_heads(ignores_embedding).message
    assert "keras.Model" in check_two_heads(lambda embedding, encoder, seq_len: 42).message

    def float_input(embedding, encoder, seq_len):  # forgets that the input is a sequence of ids
        tokens = keras.Input(shape=(seq_len, 3))
        features = keras.layers.Flatten()(tokens)
        return keras.Model(tokens, {"sentiment": keras.layers.Dense(2)(features),
                                    "topic": keras.layers.Dense(4)(features)})

    assert "raised" in check_two_heads(float_input).message


def test_two_heads_unfinished_never_crashes():
    def stub(embedding, encoder, seq_len):
        raise NotImplementedError

    assert check_two_heads(stub) == NOT_ANSWERED
    assert check_two_heads(None) == NOT_ANSWERED
    assert check_two_heads(...) == NOT_ANSWERED


# ---------------------------------------------------------------- exercise 2: score by the grammar


def test_review_score():
    expected = review_polarity(SCORED_REVIEW, SCORED_TOPIC)
    assert expected == -1
    assert check_review_score(-1, "negative").ok
    assert check_review_score(-1, " Negative ").ok
    assert "sign" in check_review_score(-1, "positive").message
    assert "not" in check_review_score(-3, "negative").message
    assert "hotel" in check_review_score(3, "positive").message
    assert "topic-dependent" in check_review_score(1, "positive").message
    assert not check_review_score(5, "positive").ok
    assert "whole number" in check_review_score("minus one", "negative").message
    assert "'negative' or 'positive'" in check_review_score(-1, "bad").message
    assert check_review_score(..., ...) == NOT_ANSWERED


# ---------------------------------------------------------------- exercise 3: one bag, two sentiments


def test_same_bag():
    first = "the screen is not bad . the battery is good ."
    second = "the screen is bad . the battery is not good ."
    assert check_same_bag(first, second, "phone").ok
    assert check_same_bag(first, second).ok  # phone by default
    assert "same sentiment" in check_same_bag(first, "the battery is good . the screen is not bad .").message
    assert "not the same bag" in check_same_bag(first, "the screen is bad . the battery is good .").message
    assert "vocabulary" in check_same_bag("the car is not bad .", second).message
    assert "score of 0" in check_same_bag("it is good . it is bad .", "it is bad . it is good .").message
    assert "one of" in check_same_bag(first, second, "cars").message
    assert "string" in check_same_bag(["it"], second).message
    assert check_same_bag(..., ...) == NOT_ANSWERED


def test_same_bag_topic_dependent_words_count():
    # "long" is good for a phone and bad for a kettle: the same review, two topics, two labels
    assert review_polarity("it is long .", "phone") == 1 and review_polarity("it is long .", "kitchen") == -1
    first = "it is not long . it is small ."
    second = "it is long . it is not small ."
    assert check_same_bag(first, second, "kitchen").ok is False  # both score 0 in a kitchen
    assert "score of 0" in check_same_bag(first, second, "kitchen").message


# ---------------------------------------------------------------- exercise 4: what to share


def test_sharing_plan():
    assert check_sharing_plan("b").ok and check_sharing_plan(" B ").ok
    for wrong in ("a", "c", "d"):
        feedback = check_sharing_plan(wrong)
        assert not feedback.ok and "does not fit" in feedback.message
    assert "one letter" in check_sharing_plan("e").message
    assert check_sharing_plan(...) == NOT_ANSWERED
