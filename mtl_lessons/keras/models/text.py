"""A text classifier with one shared word embedding and encoder and one head per task, in Keras 3.

``TextEncoderNet`` reads integer token ids ``(n, seq_len)`` (0 is padding). Its ``share``
argument says how much of the text encoder the tasks share, from everything to nothing, so that
the multi-task model and its single-task baseline are the same code with one switch changed.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
from keras import layers

from mtl_lessons._checks import check_choice, check_int
from mtl_lessons.keras.models.common import check_heads

ENCODERS = ("conv", "pool")
SHARING = ("encoder", "embedding", "none")


@keras.saving.register_keras_serializable(package="mtl_lessons")
class MaskedMean(layers.Layer):
    """``(vectors (n, seq_len, d), tokens (n, seq_len)) -> (n, d)``: the mean of the vectors of real words.

    Padding (token 0) is left out of the mean; a review made only of padding gives zeros.
    """

    def call(self, vectors, tokens):
        words = keras.ops.cast(keras.ops.not_equal(tokens, 0), vectors.dtype)[..., None]
        count = keras.ops.maximum(keras.ops.sum(words, axis=1), 1.0)
        return keras.ops.sum(vectors * words, axis=1) / count


def _encoder(tokens, vectors, kind: str, width: int, kernel_size: int, prefix: str):
    """``(n, seq_len, embed) -> (n, width)``: a convolution over word windows, or a bag of words.

    Both average over the review's words (padding left out): a convolution filter that fires on
    positive clauses then measures how much of the review is positive, which is what the
    sentiment of a review with several opinions depends on.
    """
    if kind == "conv":  # each filter detects a pattern of `kernel_size` neighbouring words ("not good")
        conv = layers.Conv1D(width, kernel_size, padding="same", activation="relu", name=f"{prefix}conv")
        h = conv(vectors)
        return MaskedMean(name=f"{prefix}mean_pool")(h, tokens)
    # a bag of words: the mean embedding of the review's words, padding left out, then one dense layer
    pooled = MaskedMean(name=f"{prefix}mean_pool")(vectors, tokens)
    return layers.Dense(width, activation="relu", name=f"{prefix}dense")(pooled)


def TextEncoderNet(  # noqa: N802 - a model factory named like the book's other models
    vocab_size: int,
    seq_len: int,
    heads: Mapping[str, int],
    embed_dim: int = 16,
    encoder: str = "conv",
    width: int = 32,
    kernel_size: int = 3,
    head_hidden: int = 32,
    share: str = "encoder",
    name: str | None = None,
) -> keras.Model:
    """Embedding -> encoder -> one head per task, as a functional Keras model with one output per task.

    ``encoder="conv"``: a 1-D convolution over windows of ``kernel_size`` words with ``width``
    filters, averaged over the review's words; ``"pool"``: the mean of the words' embeddings
    followed by a dense layer of ``width`` units (a bag of words: word order is lost). Each head is a dense
    layer of ``head_hidden`` units and an output layer named after the task, giving logits.
    ``share`` decides what the tasks share: ``"encoder"`` (the embedding ``embedding`` and the
    encoder: hard sharing), ``"embedding"`` (only the embedding; each task has its own encoder,
    prefixed ``<task>_``) or ``"none"`` (each task has its own embedding and encoder: single-task
    models side by side, which train exactly as separate models would, since no weight gets
    gradients from two tasks). ``name`` names the model (default ``text_<encoder>_share_<share>``).
    """
    heads = check_heads(heads)
    vocab_size = check_int("vocab_size", vocab_size, minimum=2)
    seq_len = check_int("seq_len", seq_len, minimum=1)
    embed_dim = check_int("embed_dim", embed_dim, minimum=1)
    width = check_int("width", width, minimum=1)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1, maximum=seq_len)
    head_hidden = check_int("head_hidden", head_hidden, minimum=1)
    check_choice("encoder", encoder, ENCODERS)
    check_choice("share", share, SHARING)
    tokens = keras.Input(shape=(seq_len,), dtype="int32", name="tokens")
    shared_vectors = shared_features = None
    if share in ("encoder", "embedding"):
        shared_vectors = layers.Embedding(vocab_size, embed_dim, name="embedding")(tokens)
    if share == "encoder":
        shared_features = _encoder(tokens, shared_vectors, encoder, width, kernel_size, prefix="encoder_")
    outputs = {}
    for task, units in heads.items():
        vectors = shared_vectors
        if vectors is None:
            vectors = layers.Embedding(vocab_size, embed_dim, name=f"{task}_embedding")(tokens)
        features = shared_features
        if features is None:
            features = _encoder(tokens, vectors, encoder, width, kernel_size, prefix=f"{task}_encoder_")
        h = layers.Dense(head_hidden, activation="relu", name=f"{task}_hidden")(features)
        outputs[task] = layers.Dense(units, name=task)(h)
    return keras.Model(tokens, outputs, name=name or f"text_{encoder}_share_{share}")


def embedding_matrix(model: keras.Model, task: str | None = None):
    """The word vectors ``(vocab_size, embed_dim)`` of ``model``: the shared ones, or ``task``'s own."""
    names = [layer.name for layer in model.layers if isinstance(layer, layers.Embedding)]
    name = "embedding" if "embedding" in names else f"{task}_embedding"
    if name not in names:
        raise ValueError(f"the model has no embedding {name!r}; its embeddings are {names} "
                         "(pass task=... for a model whose tasks have their own)")
    return model.get_layer(name).get_weights()[0]

