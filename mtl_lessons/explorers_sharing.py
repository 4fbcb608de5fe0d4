"""How much to share: a batched trainer for two-task networks, and the sharing explorer.

:func:`train_sharing` trains many small two-column networks at once, one per (data set, sharing
setting, seed). A :class:`SharingSetting` says how the columns are tied: the first ``depth``
hidden layers are *shared* (hard sharing, as in :class:`~mtl_lessons.torch.HardSharingNet` with
``shared_layers=depth``), the remaining hidden layers are *coupled* by the soft-sharing penalty
``lam * ||theta_1 - theta_2||^2`` (as in :class:`~mtl_lessons.torch.SoftSharingNet`), and the
loss weighs the tasks by the share ``w = alpha_1 / (alpha_1 + alpha_2)``. Every copy starts from
the weights of the ``HardSharingNet`` that ``torch.manual_seed(seed)`` gives, and is trained and
scored exactly as :func:`mtl_lessons.concepts.fit_and_score` does (full-batch Adam, each task at
its own best validation epoch), so one batched call replaces many calls of that function.

:class:`SharingExplorer` puts the trainer behind sliders for the shared depth, lambda, the task
correlation ``p``, the training-set size ``n`` and the task weight alpha_1.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from matplotlib.figure import Figure

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data import REGRESSION, MultiTaskData, related_tasks
from mtl_lessons.torch.models import HardSharingNet

__all__ = [
    "SharingSetting",
    "SharingResult",
    "train_sharing",
    "SharingExplorer",
    "sharing_explorer_update_seconds",
]


@dataclass(frozen=True)
class SharingSetting:
    """How two task columns are tied: ``depth`` shared hidden layers, soft coupling ``lam`` of the
    others, and the share ``w`` of task 1 in the loss ``2 (w L_1 + (1 - w) L_2)``."""

    depth: int = 0
    lam: float = 0.0
    share: float = 0.5

    def __post_init__(self) -> None:
        check_int("depth", self.depth, minimum=0)
        check_float("lam", self.lam, minimum=0.0)
        check_float("share", self.share, minimum=0.0, maximum=1.0)

    @property
    def label(self) -> str:
        """A short name for legends."""
        weight = "" if self.share == 0.5 else f", w = {self.share:g}"
        return f"depth {self.depth}, λ = {self.lam:g}{weight}"


STL = SharingSetting(0, 0.0, 0.5)


@dataclass(frozen=True)
class SharingResult:
    """Outputs of :func:`train_sharing`; arrays are indexed ``[data set, setting, seed, ...]``.

    ``test`` and ``val``: per-task MSE at each task's best validation epoch, shape ``(D, S, R, T)``.
    ``cosine``: cosine of the two tasks' gradients on the shared parameters at each of
    ``probe_epochs`` (``NaN`` where nothing is shared), shape ``(D, S, R, len(probe_epochs))``.
    ``seconds``: wall-clock time of the whole batched training.
    """

    test: np.ndarray
    val: np.ndarray
    cosine: np.ndarray
    probe_epochs: tuple[int, ...]
    seconds: float


@lru_cache(maxsize=4096)
def _initial_weights(in_features: int, hidden: tuple[int, ...], depth: int, seed: int) -> tuple:
    """Weights of ``HardSharingNet(..., shared_layers=depth)`` seeded by ``seed``, per column.

    Returns, per hidden layer, ``(W (2, out, in), b (2, out))`` (a shared layer's weights are
    copied into both columns), then the output layers ``(V (2, width), c (2,))``.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = HardSharingNet(in_features, {"task1": 1, "task2": 1}, hidden, shared_layers=depth)
    trunk = [m for m in model.trunk if isinstance(m, torch.nn.Linear)]
    heads = {t: [m for m in model.heads[t] if isinstance(m, torch.nn.Linear)] for t in ("task1", "task2")}
    layers = []
    for k in range(len(hidden)):
        if k < depth:
            pair = (trunk[k], trunk[k])
        else:
            pair = (heads["task1"][k - depth], heads["task2"][k - depth])
        layers.append((torch.stack([m.weight.detach() for m in pair]),
                       torch.stack([m.bias.detach() for m in pair])))
    outs = [heads[t][-1] for t in ("task1", "task2")]
    layers.append((torch.cat([m.weight.detach() for m in outs]), torch.cat([m.bias.detach() for m in outs])))
    return tuple(layers)


def _stack_split(
    datasets: Sequence[MultiTaskData], split: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs ``(D, n_max, dim)``, targets ``(D, n_max, 2)``, row weights ``(D, n_max)``: 1/n, 0 = padding."""
    parts = [getattr(d, split) for d in datasets]
    n_max = max(len(p) for p in parts)
    dim = parts[0].x.shape[1]
    x = np.zeros((len(parts), n_max, dim), np.float32)
    y = np.zeros((len(parts), n_max, 2), np.float32)
    w = np.zeros((len(parts), n_max), np.float32)
    for i, (part, data) in enumerate(zip(parts, datasets, strict=True)):
        n = len(part)
        x[i, :n] = part.x.reshape(n, -1)
        y[i, :n] = np.stack([part.y[t] for t in data.tasks], axis=-1)
        w[i, :n] = 1.0 / n
    return torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(w)


def _forward(params: list[torch.Tensor], shared: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Outputs ``(C, 2, n)`` of every copy's two columns; ``shared[c, l]`` ties layer ``l`` of copy ``c``."""
    copies, n = x.shape[0], x.shape[1]
    h = x.unsqueeze(1).expand(copies, 2, n, x.shape[2]).reshape(copies * 2, n, x.shape[2])
    n_hidden = (len(params) - 2) // 2
    for k in range(n_hidden):
        weight, bias = params[2 * k], params[2 * k + 1]
        tie = shared[:, k].view(copies, 1, 1, 1)
        weight = torch.where(tie, weight[:, :1].expand_as(weight), weight)
        bias = torch.where(tie.view(copies, 1, 1), bias[:, :1].expand_as(bias), bias)
        h = torch.relu(torch.baddbmm(bias.reshape(copies * 2, 1, -1), h,
                                     weight.reshape(copies * 2, *weight.shape[2:]).transpose(1, 2)))
    v, c = params[-2], params[-1]  # (C, 2, width), (C, 2)
    out = torch.bmm(h, v.reshape(copies * 2, -1, 1)).squeeze(-1) + c.reshape(copies * 2, 1)
    return out.view(copies, 2, n)


def _per_task_mse(out: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Weighted MSE per copy and task, ``(C, 2)``; ``y (C, n, 2)``, row weights ``w (C, n)``."""
    return ((out - y.transpose(1, 2)) ** 2 * w.unsqueeze(1)).sum(-1)


def train_sharing(
    datasets: MultiTaskData | Sequence[MultiTaskData],
    settings: SharingSetting | Sequence[SharingSetting],
    seeds: Sequence[int] = (0,),
    hidden: Sequence[int] = (32, 32),
    epochs: int = 100,
    lr: float = 1e-2,
    eval_every: int = 5,
    probe_epochs: Sequence[int] = (),
) -> SharingResult:
    """Train one two-task network per (data set, setting, seed), all at once; score each task.

    Each copy is trained full-batch with Adam on ``2 (w L_1 + (1 - w) L_2) + lam * coupling`` and
    scored like :func:`~mtl_lessons.concepts.fit_and_score`: every ``eval_every`` epochs, each
    task keeps the test MSE of its best validation epoch. The data sets must have two regression
    tasks and the same input size, validation and test sizes; their training sizes may differ.
    """
    datasets = [datasets] if isinstance(datasets, MultiTaskData) else list(datasets)
    settings = [settings] if isinstance(settings, SharingSetting) else list(settings)
    if not datasets or not all(isinstance(d, MultiTaskData) for d in datasets):
        raise TypeError(f"datasets must be a MultiTaskData or a non-empty list of them; got {datasets!r}")
    if not settings or not all(isinstance(s, SharingSetting) for s in settings):
        raise TypeError(f"settings must be a SharingSetting or a non-empty list of them; got {settings!r}")
    for d in datasets:
        if len(d.tasks) != 2 or any(k != REGRESSION for k in d.kinds.values()):
            raise ValueError(f"every data set must hold two regression tasks; got {d.kinds}")
    shapes = {(d.input_shape, len(d.val), len(d.test)) for d in datasets}
    if len(shapes) != 1:
        raise ValueError(f"the data sets differ in input shape or validation/test size: {sorted(shapes)}")
    seeds = [check_int("seed", s, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    hidden = tuple(check_int("hidden width", h, minimum=1) for h in hidden)
    if not hidden:
        raise ValueError("hidden must list at least one layer width")
    for s in settings:
        if s.depth > len(hidden):
            raise ValueError(f"depth {s.depth} is larger than the {len(hidden)} hidden layers")
    epochs = check_int("epochs", epochs, minimum=1)
    eval_every = check_int("eval_every", eval_every, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    probe_epochs = tuple(check_int("probe epoch", e, minimum=0, maximum=epochs) for e in probe_epochs)

    start = time.perf_counter()
    in_features = int(np.prod(datasets[0].input_shape))
    grid = [(i, s, r) for i in range(len(datasets)) for s in range(len(settings)) for r in range(len(seeds))]
    index = torch.tensor([i for i, _, _ in grid])
    init = [_initial_weights(in_features, hidden, settings[s].depth, seeds[r]) for _, s, r in grid]
    params = [torch.stack([layers[k][j] for layers in init]).clone().requires_grad_()
              for k in range(len(hidden) + 1) for j in (0, 1)]
    shared = torch.tensor([[k < settings[s].depth for k in range(len(hidden))] for _, s, _ in grid])
    lam = torch.tensor([settings[s].lam for _, s, _ in grid])
    share = torch.tensor([settings[s].share for _, s, _ in grid])
    alpha = 2 * torch.stack([share, 1 - share], dim=1)  # (C, 2)
    coupled = [(~shared[:, k]).float() * lam for k in range(len(hidden))]
    splits = {s: [t[index] for t in _stack_split(datasets, s)] for s in ("train", "val", "test")}
    x, y, w = splits["train"]
    optimizer = torch.optim.Adam(params, lr=lr, foreach=True)
    copies = len(grid)
    best_val = torch.full((copies, 2), float("inf"))
    best = {"val": best_val.clone(), "test": best_val.clone()}
    cosine = torch.full((copies, len(probe_epochs)), float("nan"))

    def evaluate() -> None:
        with torch.no_grad():
            scores = {s: _per_task_mse(_forward(params, shared, splits[s][0]), splits[s][1], splits[s][2])
                      for s in ("val", "test")}
        better = scores["val"] < best["val"]
        for s in ("val", "test"):
            best[s] = torch.where(better, scores[s], best[s])

    def probe(column: int) -> None:
        has_shared = shared[:, 0]
        if not has_shared.any():
            return
        per_task = _per_task_mse(_forward(params, shared, x), y, w)
        deepest = int(shared.sum(1).max())  # layers shared by at least one copy
        tied = [p for k in range(deepest) for p in params[2 * k: 2 * k + 2]]
        flat = []
        for t in (0, 1):
            grads = torch.autograd.grad(per_task[:, t].sum(), tied, retain_graph=t == 0, allow_unused=True)
            parts = []
            for k, g in enumerate(grads):
                layer = k // 2
                g = torch.zeros_like(tied[k]) if g is None else g
                g = g[:, 0].reshape(copies, -1) * shared[:, layer].float().unsqueeze(1)
                parts.append(g)
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
        per_task = _per_task_mse(_forward(params, shared, x), y, w)
        total = (alpha * per_task).sum()
        for k in range(len(hidden)):
            if float(coupled[k].max()) > 0:
                for p in params[2 * k: 2 * k + 2]:
                    diff = (p[:, 0] - p[:, 1]).pow(2).reshape(copies, -1).sum(1)
                    total = total + (coupled[k] * diff).sum()
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        if (epoch + 1) % eval_every == 0 or epoch + 1 == epochs:
            evaluate()

    shape = (len(datasets), len(settings), len(seeds))
    return SharingResult(
        test=best["test"].double().numpy().reshape(*shape, 2),
        val=best["val"].double().numpy().reshape(*shape, 2),
        cosine=cosine.double().numpy().reshape(*shape, len(probe_epochs)),
        probe_epochs=probe_epochs,
        seconds=time.perf_counter() - start,
    )


# ---------------------------------------------------------------------------------- the explorer


class SharingExplorer:
    """Two related regression tasks and every way of sharing between two small networks.

    Sliders set the shared depth (hard sharing of the first layers), lambda (soft coupling of
    the other hidden layers), the task correlation ``p``, the training-set size ``n`` and the
    weight alpha_1 of task 1 (alpha_2 = 1), the last two as in the alpha explorer. The figure
    shows each task's test MSE (mean and spread over ``seeds``) against the single-task
    baseline, and the gain of every shared depth for this ``p`` and ``n``. Data sets, baselines
    and every setting already trained are cached, so an update trains at most ``seeds`` copies.
    """

    def __init__(
        self,
        hidden: Sequence[int] = (32, 32, 32),
        dim: int = 10,
        n_max: int = 400,
        noise_std: float = 0.3,
        epochs: int = 80,
        lr: float = 1e-2,
        seeds: Sequence[int] = (0, 1, 2, 3),
        data_seed: int = 0,
        eval_every: int = 10,
    ) -> None:
        self.hidden = tuple(check_int("hidden width", h, minimum=1) for h in hidden)
        if not self.hidden:
            raise ValueError("hidden must list at least one layer width")
        self.dim = check_int("dim", dim, minimum=2)
        self.n_max = check_int("n_max", n_max, minimum=2)
        self.noise_std = check_float("noise_std", noise_std, minimum=0.0)
        self.epochs = check_int("epochs", epochs, minimum=1)
        self.lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
        self.seeds = tuple(check_int("seed", s, minimum=0) for s in seeds)
        if not self.seeds:
            raise ValueError("seeds must list at least one seed")
        self.data_seed = check_int("data_seed", data_seed, minimum=0)
        self.eval_every = check_int("eval_every", eval_every, minimum=1)
        self._pools: dict[float, MultiTaskData] = {}
        self._results: dict[tuple, np.ndarray] = {}
        self.trainings = 0  # batched training runs so far (cache misses)

    def data(self, p: float, n: int) -> MultiTaskData:
        """The two tasks with correlation ``p`` and the first ``n`` training examples (cached per ``p``)."""
        p = round(check_float("p", p, minimum=-1.0, maximum=1.0), 4)
        n = check_int("n", n, minimum=2, maximum=self.n_max)
        if p not in self._pools:
            self._pools[p] = related_tasks(n_train=self.n_max, p=p, dim=self.dim, n_val=200, n_test=500,
                                           noise_std=self.noise_std, seed=self.data_seed)
        return self._pools[p].with_train_size(n)

    def results(self, settings: Sequence[SharingSetting], p: float, n: int) -> np.ndarray:
        """Test MSE per setting, shape ``(len(settings), seeds, 2)``; trains only what is missing."""
        p = round(check_float("p", p, minimum=-1.0, maximum=1.0), 4)
        n = check_int("n", n, minimum=2, maximum=self.n_max)
        missing = list(dict.fromkeys(s for s in settings if (s, p, n) not in self._results))
        if missing:
            result = train_sharing(self.data(p, n), missing, self.seeds, self.hidden, self.epochs, self.lr,
                                   self.eval_every)
            self.trainings += 1
            for k, s in enumerate(missing):
                self._results[(s, p, n)] = result.test[0, k]
        return np.stack([self._results[(s, p, n)] for s in settings])

    def setting(self, depth: int, lam: float, alpha1: float = 1.0) -> SharingSetting:
        """The setting of the sliders (alpha_2 = 1), with lambda and the share rounded for caching."""
        alpha1 = check_float("alpha1", alpha1, minimum=0.0)
        depth = check_int("depth", depth, minimum=0, maximum=len(self.hidden))
        return SharingSetting(depth, round(check_float("lam", lam, minimum=0.0), 6),
                              round(alpha1 / (alpha1 + 1.0), 4))

    def draw(self, figure: Figure, depth: int = 2, lam: float = 0.0, p: float = 0.9, n: int = 50,
             alpha1: float = 1.0) -> None:
        """Per-task test MSE of the setting against the single-task baseline, and the depth sweep."""
        chosen = self.setting(depth, lam, alpha1)
        depths = [SharingSetting(d) for d in range(len(self.hidden) + 1)]
        sweep = self.results(depths, p, n)  # (depths, seeds, 2); depth 0 is the STL baseline
        mine = self.results([chosen], p, n)[0]
        stl = sweep[0]
        left, right = figure.subplots(1, 2)
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.86, wspace=0.3)
        positions = np.arange(2)
        for offset, values, colour, name in ((-0.2, stl, "C1", "single-task (STL)"),
                                             (0.2, mine, "C0", "your setting")):
            left.bar(positions + offset, values.mean(0), 0.38, yerr=values.std(0), capsize=4,
                     color=colour, alpha=0.85, label=name)
            for k in range(2):
                left.plot([k + offset] * len(values), values[:, k], "k.", ms=3)
        left.axhline(self.noise_std ** 2, color="0.3", ls="--", lw=1, label="noise floor")
        left.set(xticks=positions, xticklabels=["task 1", "task 2"], ylabel="test MSE (target units²)",
                 title=f"depth {chosen.depth}, λ = {chosen.lam:g}, w = {chosen.share:.2f} "
                       f"(p = {p:g}, n = {n})")
        left.title.set_fontsize(9)
        left.legend(fontsize=8, loc="lower right")
        gain = stl.mean(-1) - sweep.mean(-1)  # (depths, seeds): > 0 when sharing helped
        xs = np.arange(len(depths))
        right.errorbar(xs, gain.mean(1), yerr=gain.std(1), fmt="o-", capsize=4, color="C2",
                       label=f"λ = 0, w = 0.5 (mean ± std, {len(self.seeds)} seeds)")
        mine_gain = (stl.mean(-1) - mine.mean(-1))
        right.errorbar([chosen.depth + 0.08], [mine_gain.mean()], yerr=[mine_gain.std()], fmt="*",
                       ms=12, color="C3", capsize=3, label="your setting")
        right.axhline(0, color="black", lw=0.8)
        right.set(xticks=xs, xlabel="shared hidden layers (depth)",
                  ylabel="gain: STL MSE − MSE (target units²)", title="Gain over STL (> 0: sharing helps)")
        right.title.set_fontsize(9)
        right.legend(fontsize=8)

    def widget(self, alpha_explorer: object | None = None,
               p_values: Sequence[float] = (0.0, 0.5, 0.9, 1.0)):
        """The live explorer; given an ``AlphaExplorer``, its p and alpha_1 sliders move with ours.

        "Linked" means: one task correlation ``p`` and one alpha_1 for both explorers, so the
        reader sees, for the same pair of tasks, what the weights do (alpha explorer) and what
        the amount of sharing does (this one).
        """
        import ipywidgets as widgets

        from mtl_lessons.widgets import live_explorer

        p_values = [round(check_float("p", p, -1.0, 1.0), 4) for p in p_values]
        if not p_values:
            raise ValueError("p_values must list at least one task correlation")
        style = {"description_width": "initial"}
        controls = {
            "depth": widgets.IntSlider(value=len(self.hidden), min=0, max=len(self.hidden),
                                       description="shared depth", continuous_update=False, style=style),
            "lam": widgets.SelectionSlider(options=[0.0, 0.001, 0.01, 0.1, 1.0], value=0.0,
                                           description="soft λ", continuous_update=False, style=style),
            "p": widgets.SelectionSlider(options=p_values, value=p_values[-1],
                                         description="task correlation p", continuous_update=False,
                                         style=style),
            "n": widgets.SelectionSlider(options=[25, 50, 100, 200, 400], value=50, description="n",
                                         continuous_update=False, style=style),
            "alpha1": widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1, description="α₁ (α₂ = 1)",
                                          continuous_update=False, style=style),
        }
        box = live_explorer(self.draw, controls, figsize=(10, 3.8))
        if alpha_explorer is None:
            return box
        other = alpha_explorer.widget(p_values=p_values)
        theirs = {c.description: c for c in other.children[0].children}
        widgets.link((controls["p"], "value"), (theirs["task correlation p"], "value"))
        widgets.link((controls["alpha1"], "value"), (theirs["α₁"], "value"))
        return widgets.VBox([box, other])

    def static_twin(self, depths: Sequence[int] | None = None, p_values: Sequence[float] = (0.0, 0.5, 0.9),
                    n: int = 50):
        """Kernel-free twin: one frame per (p, depth) at lambda = 0, alpha_1 = 1 and ``n`` examples."""
        from mtl_lessons.widgets import static_twin

        depths = list(range(len(self.hidden) + 1)) if depths is None else list(depths)
        settings = [(check_float("p", p, -1.0, 1.0), check_int("depth", d, 0, len(self.hidden)))
                    for p in p_values for d in depths]
        if not settings:
            raise ValueError("p_values and depths must each hold at least one value")
        labels = [f"p = {p:g}, depth {d}" for p, d in settings]
        return static_twin(lambda fig, s: self.draw(fig, s[1], 0.0, s[0], n), settings,
                           description=f"setting (n = {n})", labels=labels, figsize=(10, 3.8))


def sharing_explorer_update_seconds(repeats: int = 7, explorer: SharingExplorer | None = None) -> float:
    """Median seconds per update of the sharing explorer after warm-up (baselines cached).

    Each update picks a new lambda (so it trains ``seeds`` copies), draws and renders to PNG.
    """
    import matplotlib.pyplot as plt

    repeats = check_int("repeats", repeats, minimum=1)
    if explorer is None:
        explorer = SharingExplorer()
    elif not isinstance(explorer, SharingExplorer):
        raise TypeError(f"explorer must be a SharingExplorer or None; got {type(explorer).__name__}")
    p, n = 0.9, 50
    explorer.results([SharingSetting(d) for d in range(len(explorer.hidden) + 1)], p, n)  # warm-up
    times = []
    lam = 0.0
    for _ in range(repeats):
        lam += 0.0137
        while (explorer.setting(0, lam), p, n) in explorer._results:
            lam += 0.001
        start = time.perf_counter()
        figure = plt.figure(figsize=(10, 3.8))
        explorer.draw(figure, 0, lam, p, n)
        figure.savefig(io.BytesIO(), format="png", dpi=90)
        plt.close(figure)
        times.append(time.perf_counter() - start)
    return float(np.median(times))
