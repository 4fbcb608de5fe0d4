"""Generated sentences with two tag layers, part of speech and named entities, for sequence tagging.

A small probabilistic grammar writes lower-case sentences (no capital letters to give names away)
from word lists in which some words belong to two classes: ``green`` is an adjective or a surname,
``rose`` a noun or a first name, ``china`` a noun or a country, ``florence`` a person or a city.
Which one a token is depends on its neighbours, often on whether the next word is a noun or a verb:
a distinction that the part-of-speech tags state on every word and the entity tags never state
(both are ``O``). Within each class a few words are frequent and most are rare (Zipf's law), as in
real text, so a small training set has seen most words only a few times.

Sentences have different lengths and are padded to ``seq_len`` with the token ``<pad>`` (id 0),
whose tag is ``PAD`` (id 0) in both layers. The book's loss averages over every position, pads
included; a pad's tag is fixed by its token, so the network learns it in a few steps and it adds
almost nothing to the loss after that. The metrics of :mod:`mtl_lessons.metrics.tagging` skip
pads.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from mtl_lessons._checks import check_int
from mtl_lessons.data.base import CLASSIFICATION, MultiTaskData, Split, spawn_generators

PAD = "<pad>"
POS_TAGS = ("PAD", "DET", "ADJ", "NOUN", "VERB", "PREP", "NAME")
ENTITY_TAGS = ("PAD", "O", "B-PER", "I-PER", "B-LOC", "I-LOC")
MAX_LENGTH = 11  # the longest sentence the grammar writes

# Words of two classes. The class a token has in a sentence decides both of its tags.
ADJ_OR_SURNAME = ("green", "young", "brown", "white", "black", "long", "rich")
NOUN_OR_FIRST_NAME = ("rose", "bill", "mark", "grace", "hope", "jack", "ruby", "iris")
NOUN_OR_PLACE = ("china", "turkey", "bath", "cork")
PERSON_OR_PLACE = ("florence", "georgia", "jordan", "victoria", "chelsea")
ADJ_OR_PLACE = ("nice",)
AMBIGUOUS = (ADJ_OR_SURNAME + NOUN_OR_FIRST_NAME + NOUN_OR_PLACE + PERSON_OR_PLACE + ADJ_OR_PLACE
             + ("new",))  # "new" is an adjective, or the first word of "new york"

DETERMINERS = ("the", "a", "this", "every", "that", "some")
ADJECTIVES = ("old", "big", "small", "quiet", "busy", "dark", "bright", "cold", "warm", "tall", "happy",
              "tired", "red", "blue", "clean", "heavy", "empty", "famous", "strange", "tiny", "narrow",
              "wooden", "broken", "gentle", "loud")
NOUNS = ("dog", "cat", "house", "river", "letter", "book", "car", "teacher", "doctor", "friend", "market",
         "bridge", "garden", "train", "window", "table", "song", "road", "boat", "horse", "shop", "school",
         "lamp", "door", "chair", "cake", "painting", "student", "farmer", "child", "bird", "tree", "ship",
         "map", "coat", "bottle", "village", "kitchen", "phone", "camera")
FIRST_NAMES = ("anna", "maria", "john", "peter", "wei", "omar", "sara", "david", "elena", "ivan", "yuki",
               "amir", "lucas", "nina", "paul", "fatima", "carlos", "mei", "tom", "olga", "ahmed", "lena",
               "raj", "sofia", "hugo", "emma", "kofi", "ines", "leo", "zara")
SURNAMES = ("smith", "garcia", "chen", "wang", "mueller", "rossi", "khan", "silva", "novak", "kim",
            "tanaka", "ali", "lopez", "dubois", "jensen", "nowak", "ivanova", "okafor", "haddad", "patel")
CITIES = ("paris", "lima", "cairo", "oslo", "delhi", "tokyo", "berlin", "madrid", "nairobi", "quito",
          "dublin", "kyoto", "accra", "lisbon", "hanoi", "vienna", "prague", "seoul", "riga", "perth")
TWO_WORD_PLACES = (("new", "york"), ("new", "delhi"), ("new", "orleans"), ("san", "diego"),
                   ("san", "jose"), ("hong", "kong"), ("buenos", "aires"), ("port", "louis"),
                   ("cape", "town"), ("tel", "aviv"))
PERSON_VERBS = ("met", "called", "helped", "thanked", "hired", "followed", "greeted", "married")
PLACE_VERBS = ("visited", "reached", "left", "toured", "entered")
THING_VERBS = ("bought", "sold", "painted", "found", "cleaned", "carried", "opened", "broke", "wanted",
               "fixed")
INTRANSITIVE_VERBS = ("arrived", "slept", "waited", "worked", "smiled", "laughed", "stayed")
PLACE_PREPOSITIONS = ("in", "to", "from", "near", "at")
PERSON_PREPOSITIONS = ("with", "for")


def _vocabulary() -> tuple[str, ...]:
    words = {w for group in (DETERMINERS, ADJECTIVES, NOUNS, FIRST_NAMES, SURNAMES, CITIES, PERSON_VERBS,
                             PLACE_VERBS, THING_VERBS, INTRANSITIVE_VERBS, PLACE_PREPOSITIONS,
                             PERSON_PREPOSITIONS, AMBIGUOUS) for w in group}
    words |= {w for pair in TWO_WORD_PLACES for w in pair}
    return (PAD, *sorted(words))


VOCABULARY = _vocabulary()
WORD_ID = {w: i for i, w in enumerate(VOCABULARY)}
POS_ID = {t: i for i, t in enumerate(POS_TAGS)}
ENTITY_ID = {t: i for i, t in enumerate(ENTITY_TAGS)}


class _Pool:
    """Words of one class with Zipf frequencies (1/rank), the ambiguous words given ``share`` of the mass."""

    def __init__(self, words: tuple[str, ...], ambiguous: tuple[str, ...] = (), share: float = 0.0) -> None:
        self.words = (*words, *ambiguous)
        plain = 1.0 / np.arange(1, len(words) + 1)
        plain *= (1.0 - share) / plain.sum()
        extra = np.full(len(ambiguous), share / max(len(ambiguous), 1))
        self.p = np.concatenate([plain, extra])
        self.cdf = np.cumsum(self.p).tolist()

    def draw(self, rng: _Uniforms) -> str:
        return self.words[min(bisect.bisect_right(self.cdf, rng()), len(self.words) - 1)]


class _Uniforms:
    """Uniform numbers in [0, 1) from a NumPy generator, drawn in blocks (one draw per call is slow)."""

    def __init__(self, rng: np.random.Generator, block: int = 4096) -> None:
        self.rng, self.block = rng, block
        self.values: list[float] = []

    def __call__(self) -> float:
        if not self.values:
            self.values = self.rng.random(self.block).tolist()[::-1]
        return self.values.pop()

    def pick(self, probabilities: Sequence[float]) -> int:
        """An index drawn with the given probabilities (they sum to 1)."""
        u, total = self(), 0.0
        for k, p in enumerate(probabilities):
            total += p
            if u < total:
                return k
        return len(probabilities) - 1


_DET = _Pool(DETERMINERS)
_ADJ = _Pool(ADJECTIVES, ADJ_OR_SURNAME + ADJ_OR_PLACE + ("new",), share=0.35)
_NOUN = _Pool(NOUNS, NOUN_OR_FIRST_NAME + NOUN_OR_PLACE, share=0.3)
_FIRST = _Pool(FIRST_NAMES, NOUN_OR_FIRST_NAME + PERSON_OR_PLACE, share=0.35)
_SURNAME = _Pool(SURNAMES, ADJ_OR_SURNAME, share=0.35)
_CITY = _Pool(CITIES, NOUN_OR_PLACE + PERSON_OR_PLACE + ADJ_OR_PLACE, share=0.35)
_VERBS = {kind: _Pool(words) for kind, words in (("person", PERSON_VERBS), ("place", PLACE_VERBS),
                                                 ("thing", THING_VERBS), ("none", INTRANSITIVE_VERBS))}
_PLACE_PREP, _PERSON_PREP = _Pool(PLACE_PREPOSITIONS), _Pool(PERSON_PREPOSITIONS)

Tagged = list[tuple[str, str, str]]  # (word, part of speech, entity tag)


def _common_phrase(rng: _Uniforms) -> Tagged:
    """``det noun``, ``det adj noun`` or a bare ``adj noun``."""
    form = rng.pick((0.35, 0.35, 0.3))
    words: Tagged = [] if form == 2 else [(_DET.draw(rng), "DET", "O")]
    if form >= 1:
        words.append((_ADJ.draw(rng), "ADJ", "O"))
    return [*words, (_NOUN.draw(rng), "NOUN", "O")]


def _person(rng: _Uniforms) -> Tagged:
    """A first name, a first name and a surname, or a surname alone."""
    form = rng.pick((0.35, 0.4, 0.25))
    parts = [_FIRST.draw(rng)] if form == 0 else [_SURNAME.draw(rng)] if form == 2 else \
        [_FIRST.draw(rng), _SURNAME.draw(rng)]
    return [(w, "NAME", ("B-PER" if k == 0 else "I-PER")) for k, w in enumerate(parts)]


def _place(rng: _Uniforms) -> Tagged:
    """A one-word place, or one of the two-word places (``new york``)."""
    if rng() < 0.25:
        parts = list(TWO_WORD_PLACES[min(int(rng() * len(TWO_WORD_PLACES)), len(TWO_WORD_PLACES) - 1)])
    else:
        parts = [_CITY.draw(rng)]
    return [(w, "NAME", ("B-LOC" if k == 0 else "I-LOC")) for k, w in enumerate(parts)]


def _sentence(rng: _Uniforms) -> Tagged:
    """subject, verb, object (what the verb takes), optional prepositional phrase."""
    words = _person(rng) if rng() < 0.5 else _common_phrase(rng)
    kind = ("person", "place", "thing", "none")[rng.pick((0.3, 0.25, 0.25, 0.2))]
    words.append((_VERBS[kind].draw(rng), "VERB", "O"))
    if kind == "person":
        words += _person(rng) if rng() < 0.7 else _common_phrase(rng)
    elif kind == "place":
        words += _place(rng) if rng() < 0.7 else _common_phrase(rng)
    elif kind == "thing":
        words += _common_phrase(rng)
    if rng() < (0.9 if kind == "none" else 0.5):
        if rng() < 0.6:
            words.append((_PLACE_PREP.draw(rng), "PREP", "O"))
            words += _place(rng) if rng() < 0.65 else _common_phrase(rng)
        else:
            words.append((_PERSON_PREP.draw(rng), "PREP", "O"))
            words += _person(rng) if rng() < 0.65 else _common_phrase(rng)
    return words


def _split(generator: np.random.Generator, n: int, seq_len: int) -> Split:
    rng = _Uniforms(generator)
    tokens = np.zeros((n, seq_len), dtype=np.int64)
    pos = np.zeros((n, seq_len), dtype=np.int64)
    entities = np.zeros((n, seq_len), dtype=np.int64)
    for i in range(n):
        for k, (word, tag, entity) in enumerate(_sentence(rng)):
            tokens[i, k], pos[i, k], entities[i, k] = WORD_ID[word], POS_ID[tag], ENTITY_ID[entity]
    return Split(tokens, {"entities": entities, "pos": pos})


def tagged_sentences(
    n_train: int = 1000,
    n_val: int = 300,
    n_test: int = 1000,
    seq_len: int = 12,
    seed: int = 0,
) -> MultiTaskData:
    """Sentences of token ids ``(n, seq_len)`` with entity tags (BIO) and part-of-speech tags per token.

    Task ``"entities"`` (the main task) tags each token ``O``, ``B-PER``, ``I-PER``, ``B-LOC`` or
    ``I-LOC``; task ``"pos"`` (the auxiliary task) tags it ``DET``, ``ADJ``, ``NOUN``, ``VERB``,
    ``PREP`` or ``NAME``. Pads (token 0) have tag ``PAD`` (0) in both. ``info`` holds the
    vocabulary, the tag names and the ambiguous words, for :func:`~mtl_lessons.data.tagging.decode`.
    """
    sizes = (check_int("n_train", n_train, minimum=1), check_int("n_val", n_val, minimum=1),
             check_int("n_test", n_test, minimum=1))
    seq_len = check_int("seq_len", seq_len, minimum=MAX_LENGTH)
    rngs = spawn_generators(seed, 3)
    splits = [_split(rng, n, seq_len) for rng, n in zip(rngs, sizes, strict=True)]
    return MultiTaskData(
        *splits,
        kinds={"entities": CLASSIFICATION, "pos": CLASSIFICATION},
        n_classes={"entities": len(ENTITY_TAGS), "pos": len(POS_TAGS)},
        info={"generator": "tagged_sentences", "seed": seed, "seq_len": seq_len, "vocabulary": VOCABULARY,
              "tags": {"entities": ENTITY_TAGS, "pos": POS_TAGS}, "ambiguous": AMBIGUOUS, "pad": 0},
    )


def decode(
    tokens: np.ndarray, tags: np.ndarray | None = None, tag_names: tuple[str, ...] = ENTITY_TAGS
) -> str:
    """One sentence of token ids as words (pads dropped), each as ``word/tag`` when ``tags`` are given."""
    tokens = np.asarray(tokens)
    if tokens.ndim != 1:
        raise ValueError(f"decode takes one sentence, token ids of shape (seq_len,); got shape "
                         f"{tokens.shape}")
    if tags is not None and np.shape(tags) != tokens.shape:
        raise ValueError(f"tags must have one entry per token {tokens.shape}; got shape {np.shape(tags)}")
    words = []
    for k, token in enumerate(tokens):
        if token == 0:
            continue
        word = VOCABULARY[int(token)]
        words.append(word if tags is None else f"{word}/{tag_names[int(tags[k])]}")
    return " ".join(words)
