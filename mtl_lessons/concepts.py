"""Small experiments of the chapter on core concepts: multi-task versus single-task learning.

The chapter compares two members of one family, :class:`~mtl_lessons.torch.HardSharingNet` with
every hidden layer shared (multi-task learning, MTL) and with none shared (independent networks,
single-task learning, STL). :func:`fit_and_score` trains one model and scores every task at its
own best validation epoch; :func:`mtl_and_stl` trains both models the same way;
:func:`seconds_per_step` times a training step. The data sets below each show one idea:

* :func:`scale_task`: one task's labels made louder, so that its loss steers the shared trunk;
* :func:`eavesdropping_tasks`: a feature that one task shows clearly and another only faintly;
* :func:`subspace_tasks` and :func:`linear_probe`: tasks that share a subspace, and how well a
  trained trunk serves a new task from that subspace (representation bias);
* :func:`sparse_linear_tasks` and :func:`relevant_share`: many inputs, few relevant ones
  (attention focusing, shown with linear models).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data import REGRESSION, MultiTaskData, Split
from mtl_lessons.torch.losses import mtl_loss, task_metric
from mtl_lessons.torch.models import HardSharingNet
from mtl_lessons.torch.training import default_device, to_tensors

SPLITS = ("train", "val", "test")


# --------------------------------------------------------------------------- training and scoring


def adam(parameters: Iterable[torch.nn.Parameter], lr: float) -> torch.optim.Optimizer:
    """Adam with its update fused into one kernel where this torch supports it.

    For the tiny networks of this chapter the fused update is faster than the default one on a
    CPU; older torch versions, which only fuse on a GPU, get the default Adam.
    """
    parameters = list(parameters)
    try:
        return torch.optim.Adam(parameters, lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(parameters, lr=lr)


@dataclass(frozen=True)
class Score:
    """Per-task metrics of one trained model, each taken at that task's best validation epoch.

    ``curves[split]`` holds every evaluation, shape ``(len(evaluated), tasks)``, for plots.
    """

    train: dict[str, float]
    val: dict[str, float]
    test: dict[str, float]
    epoch: dict[str, int]
    evaluated: list[int]
    curves: dict[str, np.ndarray]


def fit_and_score(
    model: torch.nn.Module,
    data: MultiTaskData,
    epochs: int = 100,
    lr: float = 1e-2,
    eval_every: int = 5,
    seed: int = 0,
) -> Score:
    """Train ``model`` full-batch with Adam (:func:`adam`) on the summed task losses; score each task.

    Every ``eval_every`` epochs the metric of every task is measured on the validation and test
    splits (the training value is that epoch's training loss). Each task keeps the numbers of
    the epoch where *its own* validation metric was lowest: per-task early stopping. For
    independent networks that is exactly early stopping each network on its own. The metric is
    the mean squared error, so every task must be a regression task.
    """
    not_regression = [t for t, kind in data.kinds.items() if kind != REGRESSION]
    if not_regression:
        raise ValueError(f"fit_and_score scores regression tasks by their MSE; {not_regression} "
                         "are not regression tasks")
    heads = set(getattr(model, "tasks", data.tasks))
    if heads != set(data.tasks):
        raise ValueError(f"the model's heads {sorted(heads)} do not match the data's tasks "
                         f"{sorted(data.tasks)}")
    epochs = check_int("epochs", epochs, minimum=1)
    eval_every = check_int("eval_every", eval_every, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    torch.manual_seed(check_int("seed", seed, minimum=0))
    device = default_device()
    model.to(device).train()
    tensors = {s: to_tensors(getattr(data, s), data.kinds, device) for s in SPLITS}
    x, y = tensors["train"]
    optimizer = adam(model.parameters(), lr)
    evaluated: list[int] = []
    curves: dict[str, list[list[float]]] = {s: [] for s in SPLITS}
    for epoch in range(1, epochs + 1):
        total, per_task = mtl_loss(model(x), y, data.kinds)
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        if epoch % eval_every and epoch != epochs:
            continue
        evaluated.append(epoch)
        curves["train"].append([per_task[t].item() for t in data.tasks])
        with torch.no_grad():
            for split in ("val", "test"):
                xs, ys = tensors[split]
                out = model(xs)
                curves[split].append([task_metric(out[t], ys[t], data.kinds[t]) for t in data.tasks])
    model.eval()
    arrays = {s: np.asarray(v) for s, v in curves.items()}
    best = arrays["val"].argmin(axis=0)  # per task: index of the best evaluation
    pick = {s: {t: float(arrays[s][best[k], k]) for k, t in enumerate(data.tasks)} for s in SPLITS}
    return Score(
        pick["train"], pick["val"], pick["test"],
        epoch={t: evaluated[best[k]] for k, t in enumerate(data.tasks)},
        evaluated=evaluated, curves=arrays,
    )


def mtl_and_stl(
    data: MultiTaskData, hidden: Sequence[int] = (32, 32), seed: int = 0, **train_options
) -> dict[str, Score]:
    """Train hard sharing (every hidden layer shared) and independent networks on ``data``.

    Both start from ``seed`` and train the same way; returns ``{"MTL": ..., "STL": ...}``.
    ``train_options`` go to :func:`fit_and_score`.
    """
    scores = {}
    for name, shared in (("MTL", len(hidden)), ("STL", 0)):
        torch.manual_seed(seed)
        model = HardSharingNet(data.input_shape, data.output_sizes(), hidden, shared)
        scores[name] = fit_and_score(model, data, seed=seed, **train_options)
    return scores


def seconds_per_step(
    model: torch.nn.Module, data: MultiTaskData, steps: int = 50, repeats: int = 3
) -> float:
    """Wall-clock seconds of one full-batch training step (:func:`adam` on the summed task losses).

    The best of ``repeats`` runs of ``steps`` steps each, so that a busy machine disturbs it less.
    The model is trained along the way: time a throw-away copy if its weights matter.
    """
    steps = check_int("steps", steps, minimum=1)
    repeats = check_int("repeats", repeats, minimum=1)
    device = default_device()
    model.to(device).train()
    x, y = to_tensors(data.train, data.kinds, device)
    optimizer = adam(model.parameters(), 1e-3)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            total, _ = mtl_loss(model(x), y, data.kinds)
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - start) / steps)
    model.eval()
    return best


# --------------------------------------------------------------------------- data for the chapter


def _spawn(seed: int, count: int) -> list[np.random.Generator]:
    """``count`` independent generators from one seed."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(count)]


def _map_splits(data: MultiTaskData, change: Callable[[Split], Split], **info) -> MultiTaskData:
    return MultiTaskData(*(change(getattr(data, s)) for s in SPLITS), kinds=dict(data.kinds),
                         n_classes=dict(data.n_classes), info={**data.info, **info})


def select_tasks(data: MultiTaskData, tasks: Sequence[str]) -> MultiTaskData:
    """The same inputs with only the labels of ``tasks``."""
    tasks = list(tasks)
    unknown = [t for t in tasks if t not in data.kinds]
    if not tasks or unknown:
        raise ValueError(f"tasks must name some of {list(data.tasks)}; got {tasks!r}")
    kept = MultiTaskData(data.train, data.val, data.test, {t: data.kinds[t] for t in tasks},
                         {t: c for t, c in data.n_classes.items() if t in tasks}, dict(data.info))
    return _map_splits(kept, lambda s: Split(s.x, {t: s.y[t] for t in tasks}))


def scale_task(data: MultiTaskData, task: str, factor: float) -> MultiTaskData:
    """``data`` with the labels of regression ``task`` multiplied by ``factor``.

    The task is the same up to its unit, but its squared error, and so its pull on any shared
    parameter, grows by ``factor**2``.
    """
    if task not in data.kinds:
        raise ValueError(f"unknown task {task!r}; the tasks are {list(data.tasks)}")
    if data.kinds[task] != REGRESSION:
        raise ValueError(f"only a regression task can be scaled; {task!r} is {data.kinds[task]}")
    factor = check_float("factor", factor, minimum=0.0, strict_minimum=True)
    return _map_splits(
        data, lambda s: Split(s.x, {t: y * np.float32(factor) if t == task else y
                                    for t, y in s.y.items()}),
        scaled={**data.info.get("scaled", {}), task: factor},
    )


def eavesdropping_tasks(
    n_train: int = 100,
    dim: int = 5,
    hidden_weight: float = 0.7,
    noise_std: float = 1.0,
    n_val: int = 200,
    n_test: int = 1000,
    seed: int = 0,
) -> MultiTaskData:
    """Two tasks around one feature ``G(x) = x_1 x_2`` (variance 1) of inputs ``x ~ N(0, I)``.

    ``main = hidden_weight * G + noise`` shows ``G`` only faintly behind its noise;
    ``helper = G + 0.1 * noise`` shows it plainly. A model of ``main`` that ignores ``G`` has a
    test MSE of ``noise_std**2 + hidden_weight**2``; one that has ``G`` exactly, ``noise_std**2``.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    dim = check_int("dim", dim, minimum=2)
    hidden_weight = check_float("hidden_weight", hidden_weight)
    noise_std = check_float("noise_std", noise_std, minimum=0.0)
    sizes = (n_train, check_int("n_val", n_val, minimum=1), check_int("n_test", n_test, minimum=1))

    def make(rng: np.random.Generator, n: int) -> Split:
        x = rng.standard_normal((n, dim))
        g = x[:, 0] * x[:, 1]
        main = hidden_weight * g + noise_std * rng.standard_normal(n)
        helper = g + 0.1 * rng.standard_normal(n)
        return Split(x.astype(np.float32),
                     {"main": main.astype(np.float32), "helper": helper.astype(np.float32)})

    rngs = _spawn(check_int("seed", seed, minimum=0), 3)
    return MultiTaskData(
        *(make(r, n) for r, n in zip(rngs, sizes, strict=True)),
        kinds={"main": REGRESSION, "helper": REGRESSION},
        info={"generator": "eavesdropping_tasks", "hidden_weight": hidden_weight,
              "noise_std": noise_std, "seed": seed},
    )


def subspace_tasks(
    n_train: int = 500,
    n_tasks: int = 5,
    rank: int = 2,
    dim: int = 10,
    noise_std: float = 0.3,
    n_val: int = 200,
    n_test: int = 1000,
    seed: int = 0,
) -> MultiTaskData:
    """Tasks ``y_k = g(w_k . x) + noise`` whose directions ``w_k`` lie in one ``rank``-dim subspace.

    ``w_k = U a_k`` with ``U`` orthonormal (``dim x rank``) and ``a_k`` random unit vectors;
    ``g(z) = z + sin(2z)``; inputs ``x ~ N(0, I)``. A new task drawn the same way lives in the same
    subspace, so a representation that has learnt the subspace serves it too.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_tasks = check_int("n_tasks", n_tasks, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    rank = check_int("rank", rank, minimum=1, maximum=dim)
    noise_std = check_float("noise_std", noise_std, minimum=0.0)
    sizes = (n_train, check_int("n_val", n_val, minimum=1), check_int("n_test", n_test, minimum=1))
    weights_rng, *split_rngs = _spawn(check_int("seed", seed, minimum=0), 4)
    basis, _ = np.linalg.qr(weights_rng.standard_normal((dim, rank)))
    mix = weights_rng.standard_normal((rank, n_tasks))
    directions = basis @ (mix / np.linalg.norm(mix, axis=0))  # (dim, n_tasks), unit columns
    names = [f"task{k + 1}" for k in range(n_tasks)]

    def make(rng: np.random.Generator, n: int) -> Split:
        x = rng.standard_normal((n, dim))
        z = x @ directions
        y = z + np.sin(2 * z) + noise_std * rng.standard_normal(z.shape)
        return Split(x.astype(np.float32), {t: y[:, k].astype(np.float32) for k, t in enumerate(names)})

    return MultiTaskData(
        *(make(r, n) for r, n in zip(split_rngs, sizes, strict=True)),
        kinds={t: REGRESSION for t in names},
        info={"generator": "subspace_tasks", "rank": rank, "dim": dim, "noise_std": noise_std,
              "seed": seed, "directions": directions},
    )


def linear_probe(
    trunk: torch.nn.Module, data: MultiTaskData, task: str, n_fit: int = 40, ridge: float = 1.0
) -> float:
    """Test MSE of a ridge-regression head for ``task`` on the frozen features of ``trunk``.

    The head is fitted on the first ``n_fit`` *validation* examples (inputs the trunk was not
    trained on) and scored on the test split.
    """
    if task not in data.kinds:
        raise ValueError(f"unknown task {task!r}; the tasks are {list(data.tasks)}")
    n_fit = check_int("n_fit", n_fit, minimum=1, maximum=len(data.val))
    ridge = check_float("ridge", ridge, minimum=0.0)
    device = next(trunk.parameters()).device
    with torch.no_grad():
        trunk.eval()
        feats = [trunk(torch.as_tensor(x, device=device)).cpu().numpy().astype(np.float64)
                 for x in (data.val.x[:n_fit], data.test.x)]
    fit_x, test_x = (np.column_stack([f, np.ones(len(f))]) for f in feats)
    penalty = ridge * np.eye(fit_x.shape[1])
    penalty[-1, -1] = 0.0  # no penalty on the bias
    w = np.linalg.solve(fit_x.T @ fit_x + penalty, fit_x.T @ data.val.y[task][:n_fit])
    return float(np.mean((test_x @ w - data.test.y[task]) ** 2))


def sparse_linear_tasks(
    n_train: int = 40,
    n_inputs: int = 100,
    n_relevant: int = 5,
    n_tasks: int = 8,
    noise_std: float = 1.0,
    n_test: int = 2000,
    seed: int = 0,
) -> MultiTaskData:
    """Linear tasks that all depend on the same first ``n_relevant`` of ``n_inputs`` inputs.

    Each task has its own N(0, 1) weights on the relevant inputs (so the labels of different
    tasks are nearly uncorrelated) and zero weight on every other input. The validation split
    holds a single example: fit these tasks with cross-validation on the training split.
    """
    n_train = check_int("n_train", n_train, minimum=2)
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    n_relevant = check_int("n_relevant", n_relevant, minimum=1, maximum=n_inputs)
    n_tasks = check_int("n_tasks", n_tasks, minimum=1)
    noise_std = check_float("noise_std", noise_std, minimum=0.0)
    n_test = check_int("n_test", n_test, minimum=1)
    weights_rng, *split_rngs = _spawn(check_int("seed", seed, minimum=0), 4)
    weights = np.zeros((n_inputs, n_tasks))
    weights[:n_relevant] = weights_rng.standard_normal((n_relevant, n_tasks))
    names = [f"task{k + 1}" for k in range(n_tasks)]

    def make(rng: np.random.Generator, n: int) -> Split:
        x = rng.standard_normal((n, n_inputs))
        y = x @ weights + noise_std * rng.standard_normal((n, n_tasks))
        return Split(x.astype(np.float32), {t: y[:, k].astype(np.float32) for k, t in enumerate(names)})

    sizes = (n_train, 1, n_test)
    return MultiTaskData(
        *(make(r, n) for r, n in zip(split_rngs, sizes, strict=True)),
        kinds={t: REGRESSION for t in names},
        info={"generator": "sparse_linear_tasks", "n_relevant": n_relevant, "weights": weights,
              "seed": seed},
    )


def relevant_share(coef: np.ndarray, n_relevant: int) -> float:
    """Share of the absolute weight of ``coef`` (inputs x tasks) on the first ``n_relevant`` inputs.

    Computed per task (column) and averaged over tasks: 1 means every task looks only at the
    relevant inputs, ``n_relevant / n_inputs`` is what weights spread evenly would give.
    """
    coef = np.abs(np.asarray(coef, dtype=float))
    if coef.ndim == 1:
        coef = coef[:, None]
    if coef.ndim != 2:
        raise ValueError(f"coef must be (inputs,) or (inputs, tasks); got shape {coef.shape}")
    n_relevant = check_int("n_relevant", n_relevant, minimum=1, maximum=coef.shape[0])
    totals = coef.sum(axis=0)
    shares = np.where(totals > 0, coef[:n_relevant].sum(axis=0) / np.where(totals > 0, totals, 1), 0)
    return float(shares.mean())
