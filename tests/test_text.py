"""The review corpus, the Keras text model, and the Keras fit on integer token ids."""

from __future__ import annotations

import numpy as np
import pytest

from mtl_lessons.data.reviews import (
    TOPICAL_POLARITY,
    TOPICS,
    VOCABULARY,
    decode,
    encode,
    product_reviews,
    review_polarity,
    word_classes,
)


@pytest.fixture(scope="module")
def small():
    return product_reviews(n_train=120, n_val=40, n_test=60, seed=3)


def test_shapes_dtypes_and_labels(small):
    assert small.input_shape == (30,)
    assert small.train.x.dtype == np.int64 and small.train.x.shape == (120, 30)
    assert small.output_sizes() == {"sentiment": 2, "topic": 4}
    for split in (small.train, small.val, small.test):
        assert split.x.min() >= 0 and split.x.max() < len(VOCABULARY)
        assert np.all(split.x[:, 0] != 0)  # no empty review
        lengths = (split.x != 0).sum(axis=1)
        for row, length in zip(split.x, lengths, strict=True):  # padding only at the end
            assert np.all(row[length:] == 0) and np.all(row[:length] != 0)
    meta = small.info["meta"]["test"]
    assert set(meta) == {"clean_sentiment", "clean_topic", "opinions", "negations", "topicals"}
    assert np.all((meta["opinions"] >= 1) & (meta["opinions"] <= 3))
    assert np.all(meta["negations"] <= meta["opinions"]) and np.all(meta["topicals"] <= meta["opinions"])


def test_deterministic_by_seed_and_different_across_seeds(small):
    again = product_reviews(n_train=120, n_val=40, n_test=60, seed=3)
    np.testing.assert_array_equal(again.train.x, small.train.x)
    np.testing.assert_array_equal(again.test.y["sentiment"], small.test.y["sentiment"])
    other = product_reviews(n_train=120, n_val=40, n_test=60, seed=4)
    assert not np.array_equal(other.train.x, small.train.x)


def test_clean_labels_follow_the_grammar(small):
    for split_name in ("train", "test"):
        split, meta = getattr(small, split_name), small.info["meta"][split_name]
        for row, sentiment, topic in zip(split.x, meta["clean_sentiment"], meta["clean_topic"], strict=True):
            score = review_polarity(decode(row), TOPICS[topic])
            assert score != 0 and (score > 0) == (sentiment == 1)


def test_label_noise_rates():
    data = product_reviews(n_train=3000, n_val=10, n_test=10, sentiment_noise=0.1, topic_noise=0.2, seed=0)
    meta = data.info["meta"]["train"]
    assert abs(np.mean(data.train.y["sentiment"] != meta["clean_sentiment"]) - 0.1) < 0.02
    assert abs(np.mean(data.train.y["topic"] != meta["clean_topic"]) - 0.2) < 0.025
    clean = product_reviews(n_train=200, n_val=10, n_test=10, sentiment_noise=0.0, topic_noise=0.0, seed=0)
    np.testing.assert_array_equal(clean.train.y["topic"], clean.info["meta"]["train"]["clean_topic"])


def test_grammar_rules_negation_and_topic():
    assert review_polarity("the battery is good .", "phone") == 1
    assert review_polarity("the battery is not very good .", "phone") == -1
    assert review_polarity("it is long .", "phone") == 1 and review_polarity("it is long .", "hotel") == -1
    assert review_polarity("i was not expecting much . it is good .", "book") == 1  # not negates nothing
    assert review_polarity(["it", "is", "not", "small", "."], "kitchen") == 1
    for word, signs in TOPICAL_POLARITY.items():
        assert sorted(signs) != [1, 1, 1, 1] and sorted(signs) != [-1, -1, -1, -1], word
    with pytest.raises(ValueError, match="topic"):
        review_polarity("it is good", "car")


def test_encode_decode_roundtrip_and_errors():
    text = "i bought this kettle . it is not bad ."
    ids = encode(text, seq_len=12)
    assert ids.shape == (12,) and ids.dtype == np.int64 and ids[-1] == 0
    assert decode(ids) == text
    assert decode(encode(text, seq_len=3)) == "i bought this"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        encode("the car is fast")
    with pytest.raises(ValueError, match="token ids"):
        decode([0, len(VOCABULARY)])
    classes = word_classes()
    assert classes["kettle"] == "topic:kitchen" and classes["not"] == "negation"
    assert classes["long"] == "topical"
    assert classes[VOCABULARY[0]] == "padding"


@pytest.mark.parametrize(("name", "value", "match"), [
    ("n_train", 0, "n_train"), ("seq_len", 10, "seq_len"), ("p_negation", 1.5, "p_negation"),
    ("sentiment_noise", 0.6, "sentiment_noise"), ("seed", -1, "seed"),
])
def test_argument_errors(name, value, match):
    with pytest.raises(ValueError, match=match):
        product_reviews(**{name: value})


# ------------------------------------------------------------------ the Keras side

keras_mtl = pytest.importorskip("mtl_lessons.keras")

from mtl_lessons.keras.models.text import TextEncoderNet, embedding_matrix  # noqa: E402


@pytest.mark.parametrize("encoder", ["conv", "pool"])
@pytest.mark.parametrize("share", ["encoder", "embedding", "none"])
def test_text_model_outputs_and_sharing(encoder, share):
    model = TextEncoderNet(len(VOCABULARY), 30, {"sentiment": 2, "topic": 4}, embed_dim=8, encoder=encoder,
                           width=8, head_hidden=4, share=share)
    x = np.stack([encode("it is good .", 30), np.zeros(30, dtype=np.int64)])
    out = model(x)
    assert sorted(out) == ["sentiment", "topic"]
    assert tuple(out["sentiment"].shape) == (2, 2) and tuple(out["topic"].shape) == (2, 4)
    assert np.all(np.isfinite(out["topic"].numpy()))  # an all-padding review gives no NaN
    embeddings = [layer.name for layer in model.layers if layer.__class__.__name__ == "Embedding"]
    assert embeddings == (["embedding"] if share != "none" else ["sentiment_embedding", "topic_embedding"])
    if share == "none":
        assert embedding_matrix(model, "topic").shape == (len(VOCABULARY), 8)
        with pytest.raises(ValueError, match="task="):
            embedding_matrix(model)
    else:
        assert embedding_matrix(model).shape == (len(VOCABULARY), 8)


def test_text_model_name():
    assert TextEncoderNet(50, 30, {"a": 2}, width=4, head_hidden=4).name == "text_conv_share_encoder"
    assert TextEncoderNet(50, 30, {"a": 2}, width=4, head_hidden=4, name="mine").name == "mine"


def test_text_model_argument_errors():
    with pytest.raises(ValueError, match="encoder"):
        TextEncoderNet(50, 30, {"a": 2}, encoder="lstm")
    with pytest.raises(ValueError, match="share"):
        TextEncoderNet(50, 30, {"a": 2}, share="heads")
    with pytest.raises(ValueError, match="kernel_size"):
        TextEncoderNet(50, 30, {"a": 2}, kernel_size=31)
    with pytest.raises(ValueError, match="heads"):
        TextEncoderNet(50, 30, {})


def test_fit_trains_on_integer_token_ids(small):
    from mtl_lessons import set_seed

    set_seed(0)
    model = TextEncoderNet(len(VOCABULARY), 30, small.output_sizes(), embed_dim=8, width=8, head_hidden=8)
    history = keras_mtl.fit(model, small, epochs=3, batch_size=60, lr=0.01, eval_splits=("val",),
                            progress=False)
    assert len(history.train_loss["sentiment"]) == 3
    assert history.train_loss["topic"][-1] < history.train_loss["topic"][0]
    scores = keras_mtl.evaluate(model, small, "test")
    assert set(scores) == {"sentiment", "topic"} and all(0 <= v <= 1 for v in scores.values())
