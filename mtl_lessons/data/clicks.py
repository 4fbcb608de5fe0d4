"""A generated recommendation log: exposures of items to users, with clicks and conversions.

Each row is one *exposure* (an item shown to a user). The user clicks with a true probability
pCTR; after a click the user buys with a true probability pCVR. A conversion is "clicked and
bought", so a purchase is only ever observed after a click. Items have an *appeal* that draws
clicks and a *quality* that makes clicked users buy, and the two are anti-correlated (clickbait
draws clicks that do not convert): the clicked exposures therefore differ systematically from
the unclicked ones, which is the sample-selection bias that ESMM (Ma et al., SIGIR 2018) fixes.
The true probabilities are kept in ``info["truth"]`` so that every estimate can be checked.
"""

from __future__ import annotations

import numpy as np

from mtl_lessons._checks import check_choice, check_float, check_int
from mtl_lessons.data.base import (
    CLASSIFICATION,
    MISSING_CLASS,
    SPLITS,
    MultiTaskData,
    Split,
    spawn_generators,
)

CLICK_TASKS = ("click", "conversion")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def click_log(
    n_train: int = 20000,
    n_val: int = 2000,
    n_test: int = 20000,
    n_users: int = 60,
    n_items: int = 200,
    dim: int = 4,
    conflict: float = -0.9,
    item_scale: float = 1.5,
    cvr_match: float = 1.0,
    ctr_bias: float = -3.0,
    cvr_bias: float = -1.5,
    seed: int = 0,
) -> MultiTaskData:
    """Exposures with a click label and a conversion (click and buy) label, and the true rates.

    The world: each user has a latent taste ``u`` (``dim`` numbers), a click propensity and a
    buying propensity; each item a latent profile ``v``, an appeal and a quality, normal with
    standard deviation ``item_scale`` and correlation ``conflict`` (negative: the items that draw
    clicks convert worse). For an exposure of item ``i`` to user ``j``, with the match
    ``m = u_j . v_i`` (variance 1)::

        pCTR = sigmoid(ctr_bias + appeal_i + click_propensity_j + m)
        pCVR = sigmoid(cvr_bias + quality_i + buy_propensity_j + cvr_match * m)

    The click is drawn with pCTR; the would-be purchase ``buy`` with pCVR, for every exposure;
    the conversion label is ``click * buy``. Only the click and conversion labels are targets
    (2-class classification); the input ``x`` is the one-hot user id next to the one-hot item id
    (``n_users + n_items`` float features), so a linear layer on it is a sum of two embeddings.

    ``info["truth"][split]`` holds, per row, ``pctr``, ``pcvr``, ``buy`` (the purchase that would
    follow a click: it exists for unclicked rows too, which no real log can show), ``user`` and
    ``item``. Exposures pair users and items uniformly at random. The world, the training,
    validation and test sets come from independent streams of ``seed``.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_val = check_int("n_val", n_val, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    n_users = check_int("n_users", n_users, minimum=2)
    n_items = check_int("n_items", n_items, minimum=2)
    dim = check_int("dim", dim, minimum=1)
    conflict = check_float("conflict", conflict, minimum=-1.0, maximum=1.0)
    item_scale = check_float("item_scale", item_scale, minimum=0.0)
    cvr_match = check_float("cvr_match", cvr_match)
    ctr_bias = check_float("ctr_bias", ctr_bias)
    cvr_bias = check_float("cvr_bias", cvr_bias)
    seed = check_int("seed", seed, minimum=0)

    world, *split_rngs = spawn_generators(seed, 4)
    taste = world.standard_normal((n_users, dim)) / dim ** 0.25
    profile = world.standard_normal((n_items, dim)) / dim ** 0.25  # so that u . v has variance 1
    click_propensity = 0.5 * world.standard_normal(n_users)
    buy_propensity = 0.5 * world.standard_normal(n_users)
    z1, z2 = world.standard_normal((2, n_items))
    appeal = item_scale * z1
    quality = item_scale * (conflict * z1 + np.sqrt(1.0 - conflict ** 2) * z2)

    def make_split(rng: np.random.Generator, n: int) -> tuple[Split, dict[str, np.ndarray]]:
        user = rng.integers(n_users, size=n)
        item = rng.integers(n_items, size=n)
        match = np.einsum("nd,nd->n", taste[user], profile[item])
        pctr = _sigmoid(ctr_bias + appeal[item] + click_propensity[user] + match)
        pcvr = _sigmoid(cvr_bias + quality[item] + buy_propensity[user] + cvr_match * match)
        click = (rng.random(n) < pctr).astype(np.int64)
        buy = (rng.random(n) < pcvr).astype(np.int64)
        x = np.zeros((n, n_users + n_items), dtype=np.float32)
        x[np.arange(n), user] = 1.0
        x[np.arange(n), n_users + item] = 1.0
        truth = {"pctr": pctr, "pcvr": pcvr, "buy": buy, "user": user, "item": item}
        return Split(x, {"click": click, "conversion": click * buy}), truth

    made = {name: make_split(rng, n) for name, rng, n in zip(SPLITS, split_rngs, (n_train, n_val, n_test),
                                                              strict=True)}
    return MultiTaskData(
        train=made["train"][0],
        val=made["val"][0],
        test=made["test"][0],
        kinds={t: CLASSIFICATION for t in CLICK_TASKS},
        n_classes={t: 2 for t in CLICK_TASKS},
        info={"generator": "click_log", "n_users": n_users, "n_items": n_items, "dim": dim,
              "conflict": conflict, "item_scale": item_scale, "cvr_match": cvr_match, "ctr_bias": ctr_bias,
              "cvr_bias": cvr_bias, "seed": seed,
              "appeal": appeal, "quality": quality,
              "truth": {name: pair[1] for name, pair in made.items()}},
    )


def clicked_only(data: MultiTaskData, task: str = "cvr") -> MultiTaskData:
    """The classic CVR training set: only the clicked rows of every split, labelled bought or not.

    This is how a conversion model is usually trained, on the space where its label is observed;
    it is then used on every exposure, which is the mismatch that ESMM removes.
    """
    if not isinstance(data, MultiTaskData) or set(data.tasks) != set(CLICK_TASKS):
        raise ValueError(f"data must be a click log with the tasks {CLICK_TASKS} (see click_log); "
                         f"got {getattr(data, 'tasks', type(data).__name__)}")
    if not isinstance(task, str) or not task:
        raise TypeError(f"task must be a non-empty string naming the CVR task; got {task!r}")
    parts = {}
    for name in SPLITS:
        split = getattr(data, name)
        clicked = split.select(split.y["click"] == 1)
        parts[name] = Split(clicked.x, {task: clicked.y["conversion"]})
    return MultiTaskData(parts["train"], parts["val"], parts["test"], {task: CLASSIFICATION}, {task: 2},
                         {"generator": "clicked_only", "source": data.info.get("generator")})


def clicked_labels(data: MultiTaskData, task: str = "cvr") -> MultiTaskData:
    """Every exposure with its click, and the CVR label (bought or not) on the clicked ones only.

    The CVR label of an unclicked exposure is unknown, so it is ``MISSING_CLASS``: a multi-task
    model trains its click head on all exposures and its CVR head on the clicked ones, sharing
    what lies below. It is the usual multi-task answer to sparse CVR data, without ESMM's
    entire-space loss.
    """
    clicked = clicked_only(data, task)  # checks data and task
    parts = {}
    for name in SPLITS:
        split = getattr(data, name)
        cvr = np.where(split.y["click"] == 1, split.y["conversion"], MISSING_CLASS)
        parts[name] = Split(split.x, {"click": split.y["click"], task: cvr})
    return MultiTaskData(parts["train"], parts["val"], parts["test"],
                         {"click": CLASSIFICATION, task: CLASSIFICATION}, {"click": 2, task: 2},
                         {**clicked.info, "generator": "clicked_labels", "truth": data.info.get("truth")})


def true_rates(data: MultiTaskData, split: str = "test") -> dict[str, np.ndarray]:
    """The true pCTR, pCVR and pCTCVR (their product) of every row of one split of a click log."""
    check_choice("split", split, SPLITS)
    truth = data.info.get("truth") if isinstance(data, MultiTaskData) else None
    if not isinstance(truth, dict) or split not in truth:
        raise ValueError("data must come from click_log, whose info holds the true rates under 'truth'")
    rows = truth[split]
    return {"pctr": rows["pctr"], "pcvr": rows["pcvr"], "pctcvr": rows["pctr"] * rows["pcvr"]}


def item_clicks(data: MultiTaskData, split: str = "train") -> np.ndarray:
    """How many clicks each item received in one split of a click log, shape ``(n_items,)``."""
    check_choice("split", split, SPLITS)
    truth = data.info.get("truth") if isinstance(data, MultiTaskData) else None
    if not isinstance(truth, dict) or "n_items" not in data.info:
        raise ValueError("data must come from click_log, whose info holds the items of every row")
    clicked = getattr(data, split).y["click"] == 1
    return np.bincount(truth[split]["item"][clicked], minlength=data.info["n_items"])
