"""A generated corpus of product reviews with two labels each: sentiment and topic.

Each review is made of short clauses drawn from a small grammar, turned into integer token ids
(0 is padding) so that a model with an embedding layer can read it. :func:`product_reviews` is
the generator; :func:`encode`, :func:`decode` and :func:`review_polarity` let a chapter or an
exercise write a review by hand, print one, and score it with the grammar's own rule.

**The grammar.** A review has a topic ``t`` (``phone``, ``book``, ``kitchen``, ``hotel``, uniformly) and a
sentiment ``y`` (``negative`` or ``positive``, uniformly), drawn first. It is the sequence of
clauses, each ended by the token ``.``:

* an **intro** clause naming the topic (probability 0.85), such as ``i bought this kettle``;
* one to three **opinion** clauses; each carries a polarity ``q = +1`` or ``-1``. With one
  clause ``q = y``; with two, both ``q = y``; with three, two have ``q = y`` and one has ``-y``
  with probability 0.5 (a mixed review) or all three have ``q = y``. The opinion clause is
  ``<subject> <verb> [not] [intensifier] <adjective>`` with subject ``it``, ``the <noun of the
  topic>`` or ``the <generic noun>`` (``price``, ``delivery``...). Its adjective is, with
  probability ``p_topical``, a **topic-dependent** word whose polarity depends on the topic
  (table ``TOPICAL_POLARITY``: ``long`` is good for a phone's battery and a book, bad for a
  kettle that takes long to boil and a hotel's long wait), and otherwise a *plain* sentiment
  word whose polarity is the same everywhere (``good``, ``awful``...). A topic-dependent word's
  subject is ``it`` or a generic noun, never a noun of the topic, so the topic must be read from
  elsewhere in the review: a reason why knowing the topic helps sentiment. Independently, with
  probability ``p_negation``, the clause is **negated**: ``not`` stands before the adjective, which
  is then one of polarity ``-q`` (``not good`` is negative); **negation flips the polarity of the
  adjective in its own clause**;
* zero to two **filler** clauses that carry no polarity (``we used it every day``), some of them
  with a ``not`` that negates nothing (``i was not expecting much``), some naming another
  topic's noun (``i also own a toaster``).

The opinion and filler clauses are shuffled and follow the intro. A review longer than
``seq_len`` tokens loses its fillers, then its intro, never an opinion clause; shorter ones are
padded with 0 at the end. The **sentiment label** is the
sign of the sum of the clause polarities (:func:`review_polarity` computes it from the words),
the **topic label** is ``t``. Then **label noise** flips the sentiment with probability
``sentiment_noise`` and replaces the topic by another one with probability ``topic_noise``.
``info["meta"][split]`` records, per review, its clean labels, how many opinion clauses it has,
how many of them are negated and how many use a topic-dependent word, so that errors can be
broken down by these.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mtl_lessons._checks import check_choice, check_float, check_int
from mtl_lessons.data.base import CLASSIFICATION, MultiTaskData, Split, spawn_generators

PAD = "<pad>"
TOPICS = ("phone", "book", "kitchen", "hotel")
SENTIMENTS = ("negative", "positive")

TOPIC_ITEMS: dict[str, tuple[str, ...]] = {  # what one buys, reads or books: named in the intro
    "phone": ("phone", "tablet", "laptop", "headphones", "camera", "smartwatch"),
    "book": ("book", "novel", "sequel", "thriller", "biography", "cookbook"),
    "kitchen": ("kettle", "blender", "toaster", "pan", "mixer", "microwave"),
    "hotel": ("hotel", "resort", "hostel", "apartment", "inn", "suite"),
}
TOPIC_ASPECTS: dict[str, tuple[str, ...]] = {  # parts one judges: subjects of opinion clauses
    "phone": ("battery", "screen", "charger", "signal", "keyboard", "case"),
    "book": ("plot", "author", "ending", "characters", "chapter", "writing"),
    "kitchen": ("lid", "handle", "blade", "cord", "button", "base"),
    "hotel": ("room", "staff", "bed", "breakfast", "pool", "shower"),
}
TOPIC_NOUNS: dict[str, tuple[str, ...]] = {t: TOPIC_ITEMS[t] + TOPIC_ASPECTS[t] for t in TOPIC_ITEMS}
GENERIC_NOUNS = ("price", "delivery", "quality", "item", "product", "package", "seller", "value")
POSITIVE = ("good", "great", "excellent", "lovely", "perfect", "nice", "amazing", "solid", "pleasant",
            "superb", "wonderful", "fine")
NEGATIVE = ("bad", "poor", "awful", "terrible", "disappointing", "horrible", "useless", "mediocre",
            "dreadful", "flimsy", "annoying", "ugly")
NEGATORS = ("not",)
INTENSIFIERS = ("very", "really", "quite", "so", "rather")
VERBS = ("is", "was", "seems", "feels")
# Polarity of each topic-dependent word per topic, in the order of TOPICS (phone, book, kitchen, hotel).
TOPICAL_POLARITY: dict[str, tuple[int, int, int, int]] = {
    "long": (1, 1, -1, -1),    # a long battery life, a long absorbing read | long to boil, a long wait
    "small": (1, 1, -1, -1),   # fits the pocket, a handy paperback | too small a pan, a cramped room
    "thin": (1, 1, -1, -1),    # a slim phone, a quick read | a pan that warps, walls you hear through
    "quiet": (-1, -1, 1, 1),   # a speaker you cannot hear, a dull story | a silent blender, a calm room
}
INTRO_TEMPLATES: dict[str, tuple[tuple[str, ...], ...]] = {  # {item}: one of the topic's items
    "phone": (("i", "bought", "this", "{item}"), ("got", "a", "new", "{item}", "for", "my", "sister"),
              ("my", "{item}", "arrived", "yesterday")),
    "book": (("i", "read", "this", "{item}"), ("got", "the", "{item}", "for", "my", "sister"),
             ("just", "finished", "the", "{item}")),
    "kitchen": (("i", "bought", "this", "{item}"), ("got", "a", "new", "{item}", "for", "my", "sister"),
                ("we", "use", "the", "{item}", "every", "day")),
    "hotel": (("we", "stayed", "at", "this", "{item}"), ("we", "booked", "the", "{item}", "for", "a", "week"),
              ("review", "of", "the", "{item}")),
}
FILLER_TEMPLATES = (
    ("we", "used", "it", "every", "day"), ("i", "was", "not", "expecting", "much"),
    ("my", "friend", "recommended", "it"), ("i", "also", "own", "a", "{other}"),
    ("it", "was", "a", "gift", "for", "my", "mother"), ("not", "sure", "what", "to", "say"),
    ("we", "had", "it", "for", "a", "year"), ("after", "reading", "the", "reviews"),
    ("i", "compared", "it", "with", "my", "old", "{other}"),
)
SUBJECT_KINDS = ("it", "topic", "generic")


def _vocabulary() -> tuple[str, ...]:
    words: list[str] = [PAD, "."]
    groups = [VERBS, NEGATORS, INTENSIFIERS, ("it", "the"), *TOPIC_NOUNS.values(), GENERIC_NOUNS, POSITIVE,
              NEGATIVE, tuple(TOPICAL_POLARITY)]
    templates = [t for group in INTRO_TEMPLATES.values() for t in group] + list(FILLER_TEMPLATES)
    groups += [tuple(w for w in template if not w.startswith("{")) for template in templates]
    for group in groups:
        words += [w for w in group if w not in words]
    return tuple(words)


VOCABULARY: tuple[str, ...] = _vocabulary()


def word_classes() -> dict[str, str]:
    """The role of every word in the grammar.

    One of ``topic:<topic>``, ``generic noun``, ``positive``, ``negative``, ``topical``,
    ``negation``, ``padding`` or ``other``.
    """
    classes = {w: "other" for w in VOCABULARY}
    for topic, nouns in TOPIC_NOUNS.items():
        classes.update({w: f"topic:{topic}" for w in nouns})
    classes.update({w: "generic noun" for w in GENERIC_NOUNS})
    classes.update({w: "positive" for w in POSITIVE})
    classes.update({w: "negative" for w in NEGATIVE})
    classes.update({w: "topical" for w in TOPICAL_POLARITY})
    classes.update({w: "negation" for w in NEGATORS})
    classes[PAD] = "padding"
    return classes


def _as_words(review: str | Sequence[str]) -> list[str]:
    if isinstance(review, str):
        return review.replace(".", " . ").split()
    return [str(w) for w in review]


def review_polarity(review: str | Sequence[str], topic: str) -> int:
    """The grammar's score of a review: the sum of its clauses' polarities (sign = sentiment label).

    A clause (the words between two ``.``) scores the polarity of its first sentiment word, plain
    (``+1``/``-1``) or topic-dependent (``TOPICAL_POLARITY`` for ``topic``), times ``-1`` if
    ``not`` comes before that word in the clause; a clause without a sentiment word scores 0.
    """
    check_choice("topic", topic, TOPICS)
    column = TOPICS.index(topic)
    total, negated = 0, False
    scored = False
    for word in _as_words(review) + ["."]:
        if word == ".":
            negated, scored = False, False
        elif word in NEGATORS:
            negated = True
        elif not scored and (word in POSITIVE or word in NEGATIVE or word in TOPICAL_POLARITY):
            sign = 1 if word in POSITIVE else -1 if word in NEGATIVE else TOPICAL_POLARITY[word][column]
            total += -sign if negated else sign
            scored = True
    return total


def encode(review: str | Sequence[str], seq_len: int = 30) -> np.ndarray:
    """Token ids of a review (a string or a list of words), padded with 0 or cut to ``seq_len``."""
    seq_len = check_int("seq_len", seq_len, minimum=1)
    index = {w: i for i, w in enumerate(VOCABULARY)}
    words = _as_words(review)
    unknown = sorted({w for w in words if w not in index})
    if unknown:
        raise ValueError(f"words {unknown} are not in the vocabulary of the review corpus "
                         f"(see mtl_lessons.data.reviews.VOCABULARY)")
    ids = np.zeros(seq_len, dtype=np.int64)
    kept = [index[w] for w in words][:seq_len]
    ids[:len(kept)] = kept
    return ids


def decode(ids: Sequence[int] | np.ndarray) -> str:
    """The words of a row of token ids, padding left out."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be one row of integer token ids; got shape {ids.shape}, "
                         f"dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= len(VOCABULARY)):
        raise ValueError(f"token ids must lie in [0, {len(VOCABULARY) - 1}]; got {ids.min()}..{ids.max()}")
    return " ".join(VOCABULARY[i] for i in ids if i != 0)


def _pick(options: Sequence, u: float):
    """The option that the uniform number ``u`` in [0, 1) falls on (one draw, no generator call)."""
    return options[int(u * len(options))]


def _opinion_clause(u: Sequence[float], q: int, topic: str, p_negation: float,
                    p_topical: float) -> tuple[list[str], bool, bool]:
    """One opinion clause of polarity ``q`` from 7 uniform numbers: (words, negated, topic-dependent)."""
    column = TOPICS.index(topic)
    topical = bool(u[0] < p_topical)
    negated = bool(u[1] < p_negation)
    target = -q if negated else q  # the adjective's own polarity, before the negation
    if topical:  # the topic must come from elsewhere: the subject is "it" or a generic noun
        adjective = _pick([w for w, signs in TOPICAL_POLARITY.items() if signs[column] == target], u[2])
        subject_kind = "it" if u[3] < 0.5 else "generic"
    else:
        adjective = _pick(POSITIVE if target > 0 else NEGATIVE, u[2])
        subject_kind = "it" if u[3] < 0.3 else "topic" if u[3] < 0.75 else "generic"
    if subject_kind == "it":
        words = ["it"]
    else:
        words = ["the", _pick(TOPIC_NOUNS[topic] if subject_kind == "topic" else GENERIC_NOUNS, u[4])]
    words.append(_pick(VERBS, u[5]))
    if negated:
        words.append("not")
    if u[6] < 0.3:
        words.append(_pick(INTENSIFIERS, u[6] / 0.3))
    return words + [adjective], negated, topical


def _review(u: Sequence[float], topic: str, y: int, seq_len: int, p_negation: float,
            p_topical: float) -> tuple[list[str], int, int, int]:
    """One review of sentiment ``y`` (+1/-1) from 40 uniform numbers ``u``.

    Returns its words and its numbers of opinion, negated and topic-dependent clauses.
    """
    k = 1 if u[0] < 0.3 else 2 if u[0] < 0.6 else 3
    polarities = [y] * k
    if k == 3 and u[1] < 0.5:
        polarities[int(u[2] * 3)] = -y
    opinions = [_opinion_clause(u[3 + 7 * j:10 + 7 * j], q, topic, p_negation, p_topical)
                for j, q in enumerate(polarities)]
    n_fillers = 0 if u[24] < 0.4 else 1 if u[24] < 0.8 else 2
    others = [t for t in TOPICS if t != topic]
    fillers = []
    for j in range(n_fillers):
        other = _pick(TOPIC_ITEMS[_pick(others, u[25 + 3 * j])], u[26 + 3 * j])
        fillers.append([other if w == "{other}" else w for w in _pick(FILLER_TEMPLATES, u[27 + 3 * j])])
    body = [words for words, _, _ in opinions] + fillers
    body = [body[i] for i in sorted(range(len(body)), key=lambda i: u[34 + i])]  # shuffled
    intro = []
    if u[31] < 0.85:
        item = _pick(TOPIC_ITEMS[topic], u[32])
        intro = [[item if w == "{item}" else w for w in _pick(INTRO_TEMPLATES[topic], u[33])]]

    def length(clauses: list[list[str]]) -> int:
        return sum(len(c) + 1 for c in clauses)

    while length(intro + body) > seq_len and any(c in fillers for c in body):  # fillers go first
        body.remove(next(c for c in body if c in fillers))
    if length(intro + body) > seq_len:
        intro = []
    words = [w for clause in intro + body for w in [*clause, "."]]
    return words, k, sum(n for _, n, _ in opinions), sum(t for _, _, t in opinions)


def product_reviews(
    n_train: int = 2000,
    n_val: int = 500,
    n_test: int = 2000,
    seq_len: int = 30,
    p_negation: float = 0.25,
    p_topical: float = 0.5,
    sentiment_noise: float = 0.05,
    topic_noise: float = 0.03,
    seed: int = 0,
) -> MultiTaskData:
    """Generated reviews as token ids ``(n, seq_len)`` with a ``sentiment`` and a ``topic`` label.

    See the module's docstring for the grammar. ``info`` holds the ``vocabulary`` (index = token
    id, 0 is padding), ``word_classes``, the class names of each task (``classes``), the
    ``topical_polarity`` table and, under ``meta[split]``, per-review arrays ``clean_sentiment``,
    ``clean_topic``, ``opinions``, ``negations`` and ``topicals`` for breaking errors down.
    """
    sizes = tuple(check_int(name, n, minimum=1) for name, n in
                  (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)))
    seq_len = check_int("seq_len", seq_len, minimum=24)
    p_negation = check_float("p_negation", p_negation, minimum=0.0, maximum=1.0)
    p_topical = check_float("p_topical", p_topical, minimum=0.0, maximum=1.0)
    sentiment_noise = check_float("sentiment_noise", sentiment_noise, minimum=0.0, maximum=0.5)
    topic_noise = check_float("topic_noise", topic_noise, minimum=0.0, maximum=0.75)
    index = {w: i for i, w in enumerate(VOCABULARY)}

    def make(rng: np.random.Generator, n: int) -> tuple[Split, dict[str, np.ndarray]]:
        topics = rng.integers(len(TOPICS), size=n)
        sentiments = rng.integers(2, size=n)
        x = np.zeros((n, seq_len), dtype=np.int64)
        meta = {key: np.zeros(n, dtype=np.int64) for key in ("opinions", "negations", "topicals")}
        uniforms = rng.random((n, 40)).tolist()  # every other choice of review i is made from uniforms[i]
        for i in range(n):
            y = 2 * int(sentiments[i]) - 1
            words, k, negations, topicals = _review(uniforms[i], TOPICS[topics[i]], y, seq_len, p_negation,
                                                    p_topical)
            x[i, :len(words)] = [index[w] for w in words]
            meta["opinions"][i], meta["negations"][i], meta["topicals"][i] = k, negations, topicals
        noisy_sentiment = np.where(rng.random(n) < sentiment_noise, 1 - sentiments, sentiments)
        shift = rng.integers(1, len(TOPICS), size=n)  # another topic, uniformly
        noisy_topic = np.where(rng.random(n) < topic_noise, (topics + shift) % len(TOPICS), topics)
        meta.update(clean_sentiment=sentiments, clean_topic=topics)
        return Split(x, {"sentiment": noisy_sentiment.astype(np.int64),
                         "topic": noisy_topic.astype(np.int64)}), meta

    parts = [make(rng, n) for rng, n in zip(spawn_generators(seed, 3), sizes, strict=True)]
    return MultiTaskData(
        *(split for split, _ in parts),
        kinds={"sentiment": CLASSIFICATION, "topic": CLASSIFICATION},
        n_classes={"sentiment": len(SENTIMENTS), "topic": len(TOPICS)},
        info={"generator": "product_reviews", "seed": seed, "vocabulary": VOCABULARY,
              "word_classes": word_classes(), "classes": {"sentiment": SENTIMENTS, "topic": TOPICS},
              "topical_polarity": dict(TOPICAL_POLARITY), "seq_len": seq_len, "p_negation": p_negation,
              "p_topical": p_topical, "sentiment_noise": sentiment_noise, "topic_noise": topic_noise,
              "meta": {name: meta for name, (_, meta) in zip(("train", "val", "test"), parts, strict=True)}},
    )
