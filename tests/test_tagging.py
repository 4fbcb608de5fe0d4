"""Sequence tagging: the sentence generator, the tagger network and the BIO metrics."""

import numpy as np
import pytest
import torch

from mtl_lessons.data import tagging
from mtl_lessons.data.tagging import ENTITY_TAGS, POS_TAGS, VOCABULARY, decode, tagged_sentences
from mtl_lessons.metrics import entity_f1, token_accuracy
from mtl_lessons.torch import fit
from mtl_lessons.torch.models.tagger import SequenceTaggerNet

# ---------------------------------------------------------------- the generator


@pytest.fixture(scope="module")
def data():
    return tagged_sentences(n_train=300, n_val=50, n_test=100, seed=3)


def test_shapes_kinds_and_info(data):
    assert data.train.x.shape == (300, 12) and data.train.x.dtype == np.int64
    for split, n in ((data.train, 300), (data.val, 50), (data.test, 100)):
        assert split.y["entities"].shape == split.y["pos"].shape == (n, 12)
    assert data.output_sizes() == {"entities": len(ENTITY_TAGS), "pos": len(POS_TAGS)}
    assert data.info["vocabulary"] == VOCABULARY and data.info["tags"]["pos"] == POS_TAGS
    assert data.train.x.max() < len(VOCABULARY)


def test_same_seed_same_data_other_seed_other_data(data):
    again = tagged_sentences(n_train=300, n_val=50, n_test=100, seed=3)
    other = tagged_sentences(n_train=300, n_val=50, n_test=100, seed=4)
    assert np.array_equal(data.train.x, again.train.x)
    assert np.array_equal(data.test.y["pos"], again.test.y["pos"])
    assert not np.array_equal(data.train.x, other.train.x)


def test_pads_and_only_pads_have_the_pad_tag(data):
    for split in (data.train, data.test):
        pad = split.x == 0
        assert np.array_equal(pad, split.y["pos"] == 0) and np.array_equal(pad, split.y["entities"] == 0)
        lengths = (~pad).sum(1)
        assert lengths.min() >= 2 and lengths.max() <= tagging.MAX_LENGTH
        assert np.all(pad == (np.arange(12) >= lengths[:, None]))  # pads only at the end


def test_tags_follow_the_grammar(data):
    """Every entity token is a NAME; the BIO tags are well formed (I- only after the same type)."""
    pos, entities = data.train.y["pos"], data.train.y["entities"]
    is_entity = entities >= ENTITY_TAGS.index("B-PER")
    assert np.array_equal(is_entity, pos == POS_TAGS.index("NAME"))
    for row in entities:
        names = [ENTITY_TAGS[t] for t in row]
        for k, tag in enumerate(names):
            if tag.startswith("I-"):
                assert names[k - 1][2:] == tag[2:]


def test_ambiguous_words_appear_with_both_readings():
    """The point of the data: some words are names in one sentence and common words in another."""
    d = tagged_sentences(n_train=2000, n_val=1, n_test=1, seed=0)
    x, entities = d.train.x, d.train.y["entities"]
    for word in ("green", "rose", "china", "new"):
        at = x == VOCABULARY.index(word)
        tags = set(entities[at].tolist())
        assert ENTITY_TAGS.index("O") in tags and len(tags) >= 2, (word, tags)
    florence = entities[x == VOCABULARY.index("florence")]
    assert {ENTITY_TAGS.index("B-PER"), ENTITY_TAGS.index("B-LOC")} <= set(florence.tolist())


def test_argument_errors_name_the_bad_value():
    with pytest.raises(ValueError, match="seq_len"):
        tagged_sentences(seq_len=5)
    with pytest.raises(ValueError, match="n_train"):
        tagged_sentences(n_train=0)
    with pytest.raises(TypeError, match="n_test"):
        tagged_sentences(n_test=1.5)


def test_decode(data):
    row = data.train.x[0]
    words = decode(row).split()
    assert len(words) == int((row > 0).sum())
    tagged = decode(row, data.train.y["pos"][0], POS_TAGS).split()
    assert all("/" in w for w in tagged) and tagged[0].split("/")[1] in POS_TAGS
    with pytest.raises(ValueError, match="one sentence"):
        decode(data.train.x[:2])
    with pytest.raises(ValueError, match="one entry per token"):
        decode(row, row[:3])


# ---------------------------------------------------------------- the model


@pytest.mark.parametrize("encoder", ["conv", "gru"])
@pytest.mark.parametrize("shared", [True, False])
def test_tagger_output_shapes_and_shared_parameters(encoder, shared):
    model = SequenceTaggerNet((12,), 50, {"entities": 6, "pos": 7}, embed_dim=8, hidden=10, encoder=encoder,
                              shared=shared)
    x = torch.randint(0, 50, (4, 12))
    out = model(x)
    assert out["entities"].shape == (4, 6, 12) and out["pos"].shape == (4, 7, 12)
    assert model(x, task="pos").keys() == {"pos"}
    if shared:
        assert len(model.shared_parameters()) > 0 and model.representation_module() is model.encoder
        assert model.representation_module()(x).shape == (4, 10, 12)
    else:
        assert model.shared_parameters() == [] and model.representation_module() is None
    tags = model.tag(x.numpy())
    assert tags["entities"].shape == (4, 12) and tags["pos"].max() < 7


def test_separate_encoders_do_not_see_the_other_task():
    """With shared=False the entity encoder gets no gradient from the POS loss."""
    model = SequenceTaggerNet((12,), 50, {"entities": 6, "pos": 7}, embed_dim=8, hidden=10, shared=False)
    x = torch.randint(0, 50, (4, 12))
    model(x)["pos"].sum().backward()
    assert all(p.grad is None for p in model.encoders["entities"].parameters())
    assert any(p.grad is not None for p in model.encoders["pos"].parameters())


def test_tagger_refuses_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="encoder"):
        SequenceTaggerNet((12,), 50, {"t": 3}, encoder="lstm")
    with pytest.raises(ValueError, match="window must be odd"):
        SequenceTaggerNet((12,), 50, {"t": 3}, window=4)
    with pytest.raises(ValueError, match="even"):
        SequenceTaggerNet((12,), 50, {"t": 3}, hidden=9, encoder="gru")
    with pytest.raises(TypeError, match="shared"):
        SequenceTaggerNet((12,), 50, {"t": 3}, shared="yes")
    model = SequenceTaggerNet((12,), 50, {"t": 3}, embed_dim=4, hidden=4)
    with pytest.raises(ValueError, match="token ids"):
        model(torch.randn(2, 12))
    with pytest.raises(ValueError, match="0..49"):
        model(torch.full((2, 12), 50))
    with pytest.raises(ValueError, match="12 features"):
        model(torch.zeros(2, 10, dtype=torch.long))


def test_fit_trains_the_tagger_on_the_generated_sentences(data):
    torch.manual_seed(0)
    model = SequenceTaggerNet(data.input_shape, len(VOCABULARY), data.output_sizes(), embed_dim=16, hidden=32)
    history = fit(model, data, epochs=40, batch_size=None, lr=0.02, eval_splits=("val",), progress=False,
                  seed=0)
    predicted = model.tag(data.test.x)
    assert token_accuracy(data.test.y["pos"], predicted["pos"], data.test.x) > 0.8
    assert entity_f1(data.test.y["entities"], predicted["entities"], ENTITY_TAGS)["f1"] > 0.3
    assert history.final("val")["pos"] > 0.8
