"""One engine that trains many small multi-task networks at once, for sweeps and explorers.

A sweep over settings and seeds would train hundreds of tiny networks one after another. Here they
are trained together: each *copy* is a set of ``T`` task columns of MLP layers (one per task),
and a :class:`SharingSetting` says how a copy's columns are tied. Its first ``depth`` hidden
layers are *shared* (hard sharing, as in :class:`~mtl_lessons.torch.HardSharingNet` with
``shared_layers=depth``), the remaining hidden layers are *coupled* by the soft-sharing penalty
``lam * sum_{i<j} ||theta_i - theta_j||^2`` (as in :class:`~mtl_lessons.torch.SoftSharingNet`), and
the loss weighs the tasks by ``alpha``. The copies' losses are summed into one number, but no
copy's loss depends on another copy's weights, so each copy receives exactly its own gradient,
and Adam or SGD treats every parameter separately: one batched run computes what many runs of
:func:`~mtl_lessons.torch.fit` (full batch, fixed weights) compute, which the tests check. It
agrees up to float32 rounding, not bit for bit: the batched products sum in another order (and a
copy's rounding can depend on the other copies of the batch, through padding and mixed depths),
and training can amplify a last-bit difference, for instance when a ReLU flips for one example.

Every copy starts from the weights that ``torch.manual_seed(seed)`` gives a ``HardSharingNet``
with the same shared depth. A task is a regression task (one output, squared error, scored by its
mean squared error) or a classification task (one output per class, cross-entropy on the logits,
scored by its accuracy, or by its AUC with ``metric="auc"``), and both kinds can be mixed. A
task's loss and score average over the examples that carry its label: a missing target is NaN, a
missing class ``MISSING_CLASS`` (see :func:`mtl_lessons.data.base.labelled`), and a task without
any label in the training split adds nothing to the loss.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import torch

from mtl_lessons._checks import check_choice, check_finite, check_float, check_int
from mtl_lessons.data.base import CLASSIFICATION, MISSING_CLASS, REGRESSION, SPLITS, MultiTaskData, labelled
from mtl_lessons.seeding import effective_seed
from mtl_lessons.torch.models.hard import HardSharingNet

SELECTIONS = ("best", "last")
OPTIMIZERS = ("adam", "sgd")
METRICS = ("accuracy", "auc")


@dataclass(frozen=True)
class SharingSetting:
    """How the task columns of one copy are tied and weighted.

    ``depth``: how many of the first hidden layers all tasks share. ``lam``: the soft coupling of
    the other hidden layers. ``alpha``: the weight of each task's loss, in the data's task order
    (``None``: 1 for every task). :meth:`with_share` builds the two-task weighting of the
    explorers, ``alpha = (2w, 2(1 - w))``.
    """

    depth: int = 0
    lam: float = 0.0
    alpha: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        check_int("depth", self.depth, minimum=0)
        check_float("lam", self.lam, minimum=0.0)
        if self.alpha is not None:
            if not isinstance(self.alpha, tuple) or not self.alpha:
                raise TypeError(f"alpha must be a non-empty tuple of task weights or None; "
                                f"got {self.alpha!r}")
            for k, a in enumerate(self.alpha):
                check_float(f"alpha[{k}]", a, minimum=0.0)

    @classmethod
    def with_share(cls, depth: int = 0, lam: float = 0.0, share: float = 0.5) -> SharingSetting:
        """Two tasks weighted by the share ``w`` of task 1: the loss ``2 (w L_1 + (1 - w) L_2)``."""
        share = check_float("share", share, minimum=0.0, maximum=1.0)
        return cls(depth, lam, (2 * share, 2 * (1 - share)))

    def weights(self, n_tasks: int) -> tuple[float, ...]:
        """The task weights for ``n_tasks`` tasks."""
        if self.alpha is None:
            return (1.0,) * n_tasks
        if len(self.alpha) != n_tasks:
            raise ValueError(f"the setting weighs {len(self.alpha)} tasks, the data have {n_tasks}")
        return tuple(float(a) for a in self.alpha)

    @property
    def label(self) -> str:
        """A short name for legends."""
        weights = "" if self.alpha is None or len(set(self.alpha)) == 1 else \
            ", α = (" + ", ".join(f"{a:g}" for a in self.alpha) + ")"
        return f"depth {self.depth}, λ = {self.lam:g}{weights}"


@dataclass(frozen=True)
class CopiesResult:
    """Outputs of :func:`train_copies`; arrays are indexed ``[data set, setting, seed, ...]``.

    ``test`` and ``val``: one score per task, shape ``(D, S, R, T)``, the metric ``fit`` records:
    the mean squared error of a regression task, the accuracy (the share of examples whose highest
    logit is the true class) of a classification task, both over the task's labelled examples only;
    with ``metric="auc"`` a two-class task's score is instead the AUC of its logit difference
    (class 1 minus class 0, which ranks the examples as P(class 1) does). They are taken at each
    task's best validation epoch (``select="best"``: the lowest error, the highest accuracy or AUC)
    or after the last epoch (``select="last"``).
    ``cosine``: cosine of the first two tasks' gradients on the shared parameters at each of
    ``probe_epochs`` (``NaN`` where nothing is shared), shape ``(D, S, R, len(probe_epochs))``.
    ``seconds``: wall-clock time of the whole batched training.
    """

    test: np.ndarray
    val: np.ndarray
    cosine: np.ndarray
    probe_epochs: tuple[int, ...]
    seconds: float


@lru_cache(maxsize=4096)
def _initial_weights(in_features: int, units: tuple[int, ...], hidden: tuple[int, ...], depth: int,
                     seed: int) -> tuple:
    """Weights of ``HardSharingNet(..., shared_layers=depth)`` seeded by ``seed``, per task column.

    ``units[t]`` is the number of outputs of task ``t``'s head (1, or its number of classes).
    Returns, per hidden layer, ``(W (T, out, in), b (T, out))`` (a shared layer's weights are
    copied into every column), then the output layers ``(V (T, K, width), c (T, K))``, padded with
    zeros to the ``K`` outputs of the widest head.
    """
    tasks = [f"task{k + 1}" for k in range(len(units))]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(effective_seed(seed))
        model = HardSharingNet(in_features, dict(zip(tasks, units, strict=True)), hidden, shared_layers=depth)
    trunk = [m for m in model.trunk if isinstance(m, torch.nn.Linear)]
    heads = {t: [m for m in model.heads[t] if isinstance(m, torch.nn.Linear)] for t in tasks}
    layers = []
    for k in range(len(hidden)):
        columns = [trunk[k]] * len(tasks) if k < depth else [heads[t][k - depth] for t in tasks]
        layers.append((torch.stack([m.weight.detach() for m in columns]),
                       torch.stack([m.bias.detach() for m in columns])))
    out_weight = torch.zeros(len(tasks), max(units), hidden[-1])
    out_bias = torch.zeros(len(tasks), max(units))
    for t, task in enumerate(tasks):
        out_weight[t, :units[t]] = heads[task][-1].weight.detach()
        out_bias[t, :units[t]] = heads[task][-1].bias.detach()
    layers.append((out_weight, out_bias))
    return tuple(layers)


class _Rows(NamedTuple):
    """One split of every data set, padded to the longest with rows of weight 0.

    ``x`` has shape ``(D, n, dim)``; the others ``(D, n, T)``, one column per task: ``y`` holds the
    regression targets, ``labels`` the class labels, and ``w`` the row weights, ``1 / n_t`` on the
    ``n_t`` rows that carry task ``t``'s label and 0 elsewhere, so that a weighted sum is a mean over
    the labelled rows. Where a label is missing (or belongs to the other kind) ``y`` and ``labels``
    hold 0: a NaN must not reach the arithmetic, since even ``0 * NaN`` is NaN.
    """

    x: torch.Tensor
    y: torch.Tensor
    labels: torch.Tensor
    w: torch.Tensor


def _stack_split(datasets: Sequence[MultiTaskData], split: str) -> _Rows:
    """The ``split`` of every data set as one :class:`_Rows`."""
    parts = [getattr(d, split) for d in datasets]
    n_max = max(len(p) for p in parts)
    dim = int(np.prod(parts[0].x.shape[1:]))
    per_task = (len(parts), n_max, len(datasets[0].tasks))
    x = np.zeros((len(parts), n_max, dim), np.float32)
    y, w = np.zeros(per_task, np.float32), np.zeros(per_task, np.float32)
    labels = np.zeros(per_task, np.int64)
    for i, (part, data) in enumerate(zip(parts, datasets, strict=True)):
        n = len(part)
        x[i, :n] = part.x.reshape(n, -1)
        for t, (task, kind) in enumerate(data.kinds.items()):
            known = labelled(part.y[task], kind)
            target = y if kind == REGRESSION else labels
            target[i, :n, t] = np.where(known, part.y[task], 0)
            w[i, :n, t] = known / max(known.sum(), 1)
    return _Rows(*(torch.from_numpy(a) for a in (x, y, labels, w)))


class _Heads(NamedTuple):
    """The kinds of the tasks' heads, as the loss and the metric read them.

    ``units[t]``: the outputs of task ``t``'s head (1, or its number of classes), ``K`` the most.
    ``classification`` is ``(T, 1)``, True for a classification task; ``padding`` is ``(T, 1, K)``,
    0 on the outputs a head has and ``-inf`` on those it lacks, so that adding it to the outputs
    gives logits whose softmax and argmax never pick a class the task does not have.
    """

    kinds: tuple[str, ...]
    units: tuple[int, ...]
    classification: torch.Tensor
    padding: torch.Tensor

    @classmethod
    def of(cls, data: MultiTaskData) -> _Heads:
        kinds, units = tuple(data.kinds.values()), tuple(data.output_sizes().values())
        padding = torch.tensor([[[0.0 if k < u else -torch.inf for k in range(max(units))]] for u in units])
        return cls(kinds, units, torch.tensor([[k == CLASSIFICATION] for k in kinds]), padding)


def _forward(params: list[torch.Tensor], tied: torch.Tensor, x: torch.Tensor, common: int) -> torch.Tensor:
    """Outputs ``(C, T, n, K)`` of every copy's task columns (``K``: the widest head's outputs).

    ``tied[c, l]`` says that layer ``l`` of copy ``c`` is shared: every column then uses column
    0's weights. The first ``common`` layers are shared in *every* copy, so they are computed once
    per copy rather than once per column. ``torch.baddbmm(b, h, W^T)`` is one batched product:
    copy ``c`` computes ``h[c] @ W[c].T + b[c]``.
    """
    copies, n = x.shape[0], x.shape[1]
    n_tasks, units = params[-1].shape[1:]
    h = x
    for k in range(common):  # shared by every copy: one column's weights, computed once
        weight, bias = params[2 * k][:, 0], params[2 * k + 1][:, 0]
        h = torch.relu(torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2)))
    v, c = params[-2], params[-1]  # output layers: (C, T, K, width), (C, T, K)
    n_hidden = (len(params) - 2) // 2
    if common == n_hidden:  # every hidden layer shared: the heads read one trunk, as one layer of T * K units
        out = torch.baddbmm(c.reshape(copies, 1, -1), h, v.flatten(1, 2).transpose(1, 2))  # (C, n, T * K)
        return out.view(copies, n, n_tasks, units).transpose(1, 2)
    h = h.unsqueeze(1).expand(copies, n_tasks, n, h.shape[-1]).reshape(copies * n_tasks, n, h.shape[-1])
    for k in range(common, n_hidden):
        weight, bias = params[2 * k], params[2 * k + 1]
        tie = tied[:, k].view(copies, 1, 1, 1)
        weight = torch.where(tie, weight[:, :1].expand_as(weight), weight)
        bias = torch.where(tie.view(copies, 1, 1), bias[:, :1].expand_as(bias), bias)
        h = torch.relu(torch.baddbmm(bias.reshape(copies * n_tasks, 1, -1), h,
                                     weight.reshape(copies * n_tasks, *weight.shape[2:]).transpose(1, 2)))
    out = torch.bmm(h, v.reshape(copies * n_tasks, units, -1).transpose(1, 2))
    return (out + c.reshape(copies * n_tasks, 1, units)).view(copies, n_tasks, n, units)


def _cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per row: minus the log-probability that the softmax of ``logits (..., K)`` gives the label."""
    return -torch.log_softmax(logits, dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)


def _right(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per row: 1 if the highest logit is the label's, else 0; NaN where a logit is NaN (a diverged copy)."""
    right = (logits.argmax(dim=-1) == labels).float()
    return torch.where(logits.isnan().any(dim=-1), float("nan"), right)


def _per_task(out: torch.Tensor, rows: _Rows, heads: _Heads,
              classify: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """Each task's mean over its labelled rows, ``(C, T)``, of a value per row.

    The value is the squared error for a regression task and ``classify(logits, labels)`` (the
    cross-entropy for the loss, right or wrong for the accuracy) for a classification task.
    """
    y, labels, w = (r.transpose(1, 2) for r in rows[1:])  # (C, T, n), like the outputs
    if CLASSIFICATION not in heads.kinds:
        per_row = (out[..., 0] - y) ** 2
    elif REGRESSION not in heads.kinds:
        per_row = classify(out + heads.padding, labels)
    else:
        per_row = torch.where(heads.classification, classify(out + heads.padding, labels),
                              (out[..., 0] - y) ** 2)
    return (per_row * w).sum(-1)


def _task_losses(out: torch.Tensor, rows: _Rows, heads: _Heads) -> torch.Tensor:
    """Each task's loss ``(C, T)``: mean squared error or mean cross-entropy over its labelled rows."""
    return _per_task(out, rows, heads, _cross_entropy)


def _auc(out: torch.Tensor, rows: _Rows) -> torch.Tensor:
    """Each two-class task's AUC over its labelled rows, ``(C, T)``; NaN where a score is not finite.

    The AUC is the Mann-Whitney statistic: the share of (positive, negative) pairs that the logit
    difference ranks the right way round, a tie counting one half. It is read from mid-ranks (a
    tied value gets the mean of the ranks it spans); unlabelled rows are moved past every labelled
    one (+inf), so that they change no labelled row's rank.
    """
    labels, w = rows.labels.transpose(1, 2), rows.w.transpose(1, 2)  # (C, T, n), like the outputs
    known = w > 0
    score = (out[..., 1] - out[..., 0]).double()
    ranked = torch.where(known, score, torch.inf).contiguous()
    ordered = ranked.sort(dim=-1).values
    rank = (torch.searchsorted(ordered, ranked, side="left")
            + torch.searchsorted(ordered, ranked, side="right") + 1) / 2  # 1-based mid-ranks
    positive = known & (labels == 1)
    n_pos = positive.sum(-1).double()
    n_neg = known.sum(-1).double() - n_pos
    area = (torch.where(positive, rank, 0.0).sum(-1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    broken = (known & ~torch.isfinite(score)).any(-1)
    return torch.where(broken, float("nan"), area).float()


def _task_scores(out: torch.Tensor, rows: _Rows, heads: _Heads, metric: str = "accuracy") -> torch.Tensor:
    """Each task's metric ``(C, T)`` over its labelled rows: MSE, and accuracy or AUC (``metric``)."""
    scores = _per_task(out, rows, heads, _right)
    if metric == "auc" and CLASSIFICATION in heads.kinds:
        scores = torch.where(heads.classification[:, 0], _auc(out, rows), scores)
    return scores


def _check_targets(datasets: Sequence[MultiTaskData], metric: str) -> None:
    """Raise unless every target is one value per example and a label, a missing label or a finite number.

    The data's own checks ran when they were made; their arrays can have changed in place since.
    With ``metric="auc"`` every classification task must have two classes, and both must occur
    among the labels of the splits it is scored on.
    """
    for i, data in enumerate(datasets):
        for split in SPLITS:
            part = getattr(data, split)
            check_finite(f"x of the {split} split of data set {i}", part.x)
            for task, kind in data.kinds.items():
                targets = np.asarray(part.y[task])
                where = f"task {task!r} in the {split} split of data set {i}"
                if targets.ndim != 1:
                    raise ValueError(f"{where} has targets of shape {targets.shape}: the engine trains one "
                                     "output per example, targets of shape (n,)")
                known = labelled(targets, kind)
                if split != "train" and not known.any():
                    raise ValueError(f"{where} has no labelled example, so it cannot be scored there")
                if kind == REGRESSION and np.isinf(targets).any():
                    raise ValueError(f"{where} holds an infinite target; a missing target is NaN, the others "
                                     "must be finite numbers")
                classes = data.n_classes.get(task, 1)
                if kind == CLASSIFICATION and np.any(known & ((targets < 0) | (targets >= classes))):
                    raise ValueError(f"{where}: class labels must be 0 to {classes - 1}, "
                                     f"or MISSING_CLASS ({MISSING_CLASS}) where the label is missing")
                if kind == CLASSIFICATION and metric == "auc":
                    if classes != 2:
                        raise ValueError(f"metric='auc' scores two-class tasks; task {task!r} has {classes} "
                                         "classes: use metric='accuracy'")
                    if split != "train" and len(np.unique(targets[known])) < 2:
                        raise ValueError(f"{where} has labels of one class only: its AUC is undefined")


def _check_inputs(datasets, settings, seeds, hidden, epochs, lr, optimizer, eval_every, select, probe_epochs,
                  metric):
    datasets = [datasets] if isinstance(datasets, MultiTaskData) else list(datasets)
    settings = [settings] if isinstance(settings, SharingSetting) else list(settings)
    if not datasets or not all(isinstance(d, MultiTaskData) for d in datasets):
        raise TypeError(f"datasets must be a MultiTaskData or a non-empty list of them; got {datasets!r}")
    if not settings or not all(isinstance(s, SharingSetting) for s in settings):
        raise TypeError(f"settings must be a SharingSetting or a non-empty list of them; got {settings!r}")
    shapes = {(d.input_shape, len(d.val), len(d.test)) for d in datasets}
    if len(shapes) != 1:
        raise ValueError("the data sets differ in input shape or validation/test size: "
                         f"{sorted(shapes)}")
    heads = {tuple(zip(d.kinds.values(), d.output_sizes().values(), strict=True)) for d in datasets}
    if len(heads) != 1:
        raise ValueError("the data sets' tasks differ in number, kind or number of classes (in task order): "
                         f"{sorted(heads)}")
    check_choice("metric", metric, METRICS)
    _check_targets(datasets, metric)
    seeds = [check_int("seed", s, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    hidden = tuple(check_int("hidden width", h, minimum=1) for h in hidden)
    if not hidden:
        raise ValueError("hidden must list at least one layer width")
    n_tasks = len(datasets[0].tasks)
    for s in settings:
        if s.depth > len(hidden):
            raise ValueError(f"depth {s.depth} is larger than the {len(hidden)} hidden layers")
        s.weights(n_tasks)  # raises if alpha has the wrong length
    check_choice("optimizer", optimizer, OPTIMIZERS)
    check_choice("select", select, SELECTIONS)
    epochs = check_int("epochs", epochs, minimum=1)
    eval_every = check_int("eval_every", eval_every, minimum=1)
    probe_epochs = tuple(check_int("probe epoch", e, minimum=0, maximum=epochs) for e in probe_epochs)
    if probe_epochs and n_tasks < 2:
        raise ValueError("probe_epochs measures the cosine between two tasks' gradients: it needs two tasks")
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    return datasets, settings, seeds, hidden, epochs, lr, eval_every, probe_epochs


def train_copies(
    datasets: MultiTaskData | Sequence[MultiTaskData],
    settings: SharingSetting | Sequence[SharingSetting],
    seeds: Sequence[int] = (0,),
    hidden: Sequence[int] = (32, 32),
    epochs: int = 100,
    lr: float = 1e-2,
    optimizer: str = "adam",
    eval_every: int = 5,
    select: str = "best",
    probe_epochs: Sequence[int] = (),
    metric: str = "accuracy",
) -> CopiesResult:
    """Train one network per (data set, setting, seed), all at once, full-batch; score each task.

    Each copy minimises ``sum_t alpha_t L_t + lam * coupling`` with Adam or SGD, ``L_t`` the mean
    squared error or cross-entropy of task ``t`` over its labelled examples. With ``select="best"``
    it is scored like :func:`~mtl_lessons.torch.fit_and_score`: every ``eval_every`` epochs, each
    task keeps the test score (MSE, and accuracy or, with ``metric="auc"``, the AUC of a two-class
    task) of its best validation epoch; with ``select="last"``, after the last epoch. The data sets
    must have the same kinds of tasks (and class counts), input size and validation/test sizes;
    their training sizes may differ.
    """
    datasets, settings, seeds, hidden, epochs, lr, eval_every, probe_epochs = _check_inputs(
        datasets, settings, seeds, hidden, epochs, lr, optimizer, eval_every, select, probe_epochs, metric)
    start = time.perf_counter()
    n_tasks = len(datasets[0].tasks)
    in_features = int(np.prod(datasets[0].input_shape))
    heads = _Heads.of(datasets[0])
    grid = [(i, s, r) for i in range(len(datasets)) for s in range(len(settings)) for r in range(len(seeds))]
    index = torch.tensor([i for i, _, _ in grid])
    init = [_initial_weights(in_features, heads.units, hidden, settings[s].depth, seeds[r])
            for _, s, r in grid]
    params = [torch.stack([layers[k][j] for layers in init]).clone().requires_grad_()
              for k in range(len(hidden) + 1) for j in (0, 1)]
    tied = torch.tensor([[k < settings[s].depth for k in range(len(hidden))] for _, s, _ in grid])
    common = min(settings[s].depth for _, s, _ in grid)
    alpha = torch.tensor([settings[s].weights(n_tasks) for _, s, _ in grid])  # (C, T)
    lam = torch.tensor([settings[s].lam for _, s, _ in grid])
    coupled = [(~tied[:, k]).float() * lam for k in range(len(hidden))]
    pairs = [(i, j) for i in range(n_tasks) for j in range(i + 1, n_tasks)]
    one_dataset = len(datasets) == 1  # then every copy reads the same rows: no copy of the data
    splits = {}
    for name in ("train", "val", "test"):
        rows = _stack_split(datasets, name)
        splits[name] = _Rows(*(t.expand(len(grid), *t.shape[1:]) if one_dataset else t[index] for t in rows))
    train = splits["train"]
    if optimizer == "adam":
        step = torch.optim.Adam(params, lr=lr, foreach=True)
    else:
        step = torch.optim.SGD(params, lr=lr, foreach=True)
    copies = len(grid)
    # the best score so far: the lowest error, the highest accuracy (NaN never counts as better)
    worst = torch.where(heads.classification[:, 0], float("-inf"), float("inf")).expand(copies, n_tasks)
    best = {s: worst.clone() for s in ("val", "test")}
    cosine = torch.full((copies, len(probe_epochs)), float("nan"))

    def evaluate() -> None:
        with torch.no_grad():
            scores = {s: _task_scores(_forward(params, tied, splits[s].x, common), splits[s], heads, metric)
                      for s in ("val", "test")}
        if select == "best":
            higher, lower = scores["val"] > best["val"], scores["val"] < best["val"]
            better = torch.where(heads.classification[:, 0], higher, lower)
        else:
            better = torch.ones_like(scores["val"], dtype=torch.bool)
        for s in ("val", "test"):
            best[s] = torch.where(better, scores[s], best[s])

    def probe(column: int) -> None:
        has_shared = tied[:, 0]
        if not has_shared.any():
            return
        per_task = _task_losses(_forward(params, tied, train.x, common), train, heads)
        deepest = int(tied.sum(1).max())  # layers shared by at least one copy
        shared_params = [p for k in range(deepest) for p in params[2 * k: 2 * k + 2]]
        flat = []
        for t in (0, 1):
            grads = torch.autograd.grad(per_task[:, t].sum(), shared_params, retain_graph=t == 0,
                                        allow_unused=True)
            parts = []
            for k, g in enumerate(grads):
                g = torch.zeros_like(shared_params[k]) if g is None else g
                parts.append(g[:, 0].reshape(copies, -1) * tied[:, k // 2].float().unsqueeze(1))
            flat.append(torch.cat(parts, dim=1))
        a, b = flat
        cos = (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1)).clamp_min(1e-12)
        cosine[:, column] = torch.where(has_shared, cos.detach(), torch.tensor(float("nan")))

    for epoch in range(0, epochs + 1):
        for column, probe_at in enumerate(probe_epochs):
            if probe_at == epoch:
                probe(column)
        if epoch == epochs:
            break
        per_task = _task_losses(_forward(params, tied, train.x, common), train, heads)
        total = (alpha * per_task).sum()
        for k in range(len(hidden)):
            if float(coupled[k].max()) > 0:
                for p in params[2 * k: 2 * k + 2]:
                    for i, j in pairs:
                        diff = (p[:, i] - p[:, j]).pow(2).reshape(copies, -1).sum(1)
                        total = total + (coupled[k] * diff).sum()
        step.zero_grad(set_to_none=True)
        total.backward()
        step.step()
        if select == "best" and ((epoch + 1) % eval_every == 0 or epoch + 1 == epochs):
            evaluate()
    if select == "last":
        evaluate()
    if not torch.isfinite(best["test"]).all():
        bad = torch.nonzero(~torch.isfinite(best["test"]))[0].tolist()
        d, s, r = grid[bad[0]]
        raise FloatingPointError(f"training diverged (a NaN or infinite error) for data set {d}, "
                                 f"setting {settings[s]}, seed {seeds[r]}, task {bad[1] + 1}: "
                                 "lower the learning rate")

    shape = (len(datasets), len(settings), len(seeds))
    return CopiesResult(
        test=best["test"].double().numpy().reshape(*shape, n_tasks),
        val=best["val"].double().numpy().reshape(*shape, n_tasks),
        cosine=cosine.double().numpy().reshape(*shape, len(probe_epochs)),
        probe_epochs=probe_epochs,
        seconds=time.perf_counter() - start,
    )
