"""The alpha explorer: what the task weights do to two tasks that compete for one shared unit.

:class:`AlphaExplorer` trains small hard-sharing networks on two related regression tasks for the
task weights alpha chosen on its sliders, and places the result on the per-task trade-off curve
of a sweep of alpha. :func:`sweep_weights` is its computation: one batched run of
:func:`~mtl_lessons.torch.train_copies`, one copy per weighting and seed, which is what
makes an update fast enough for a slider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from mtl_lessons._checks import check_float, check_int, check_one_kind
from mtl_lessons.data import REGRESSION, MultiTaskData, related_tasks
from mtl_lessons.explorers.base import Explorer
from mtl_lessons.torch.batched import SharingSetting, train_copies


def _weight_table(data: MultiTaskData, alphas: Sequence[Mapping[str, float]]) -> list[tuple[float, ...]]:
    """The weightings as tuples in ``data.tasks`` order (a task a weighting does not name: 1)."""
    if isinstance(alphas, Mapping) or not isinstance(alphas, Sequence) or not alphas:
        raise TypeError(f"alphas must be a non-empty list of {{task: weight}} dicts; got {alphas!r}")
    rows = []
    for alpha in alphas:
        if not isinstance(alpha, Mapping):
            raise TypeError(f"each weighting must be a dict {{task: weight}}; got {alpha!r}")
        unknown = set(alpha) - set(data.tasks)
        if unknown:
            raise ValueError(f"alpha names unknown tasks {sorted(unknown)}; tasks are {list(data.tasks)}")
        rows.append(tuple(check_float(f"alpha[{t!r}]", alpha.get(t, 1.0), minimum=0.0) for t in data.tasks))
    return rows


def sweep_weights(
    data: MultiTaskData,
    alphas: Sequence[Mapping[str, float]],
    seeds: Sequence[int] = (0,),
    hidden: Sequence[int] = (1,),
    epochs: int = 150,
    lr: float = 2e-2,
    optimizer: str = "adam",
) -> np.ndarray:
    """Test MSE per task of one fully shared network per (weighting, seed): shape ``(alphas, seeds, tasks)``.

    Each copy is a :class:`~mtl_lessons.torch.HardSharingNet` with every hidden layer shared and
    one linear head per task, trained full-batch on ``sum_t alpha_t L_t`` for ``epochs`` steps and
    scored after the last one. All copies train at once in
    :func:`~mtl_lessons.torch.train_copies`.
    """
    check_one_kind("sweep_weights scores each task by its test MSE", data.kinds, REGRESSION)
    hidden = tuple(hidden)
    settings = [SharingSetting(len(hidden), 0.0, row) for row in _weight_table(data, alphas)]
    result = train_copies(data, settings, seeds, hidden, epochs, lr, optimizer=optimizer, select="last")
    return result.test[0]


def weighted_test_loss(
    data: MultiTaskData,
    alpha: Mapping[str, float],
    hidden: Sequence[int] = (1,),
    epochs: int = 150,
    lr: float = 2e-2,
    seed: int = 0,
    optimizer: str = "adam",
) -> dict[str, float]:
    """Test MSE per task of one fully shared network trained full-batch on ``sum_t alpha_t L_t``."""
    mse = sweep_weights(data, [alpha], seeds=[seed], hidden=hidden, epochs=epochs, lr=lr, optimizer=optimizer)
    return {t: float(v) for t, v in zip(data.tasks, mse[0, 0], strict=True)}


def alpha_share(alpha1: float, alpha2: float) -> float:
    """The share ``w = alpha_1 / (alpha_1 + alpha_2)`` of task 1, rounded to 4 decimals."""
    alpha1 = check_float("alpha1", alpha1, minimum=0.0)
    alpha2 = check_float("alpha2", alpha2, minimum=0.0)
    if alpha1 + alpha2 == 0:
        raise ValueError("alpha1 and alpha2 are both 0: the loss is 0 and nothing is trained; "
                         "give at least one task a positive weight")
    return round(alpha1 / (alpha1 + alpha2), 4)


class AlphaExplorer(Explorer):
    """Two related regression tasks, one small shared network, and the task weights alpha_1, alpha_2.

    With Adam, multiplying the whole loss by a constant changes (almost) nothing, so the explorer
    trains on the share ``w = alpha_1 / (alpha_1 + alpha_2)``: it minimises ``w L_1 + (1 - w) L_2``.
    The tasks are linear (``related_tasks(..., n_sines=0)``) and the shared trunk is a single
    ReLU unit, so the tasks must compete for it. Every result is the test MSE of ``seeds``
    networks. Data sets, the sweep of ``w`` over ``shares`` and every share already trained are
    cached per task correlation ``p``, so an update costs at most one batched training run.
    """

    def __init__(
        self,
        n_train: int = 400,
        dim: int = 20,
        hidden: Sequence[int] = (1,),
        epochs: int = 150,
        lr: float = 2e-2,
        shares: Sequence[float] = tuple(round(0.1 * i, 1) for i in range(11)),
        seeds: Sequence[int] = (0, 1, 2, 3, 4),
        data_seed: int = 0,
    ) -> None:
        super().__init__()
        self.n_train = check_int("n_train", n_train, minimum=10)
        self.dim = check_int("dim", dim, minimum=2)
        self.hidden = tuple(check_int("hidden width", h, minimum=1) for h in hidden)
        self.epochs = check_int("epochs", epochs, minimum=1)
        self.lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
        self.shares = tuple(sorted({round(check_float("share", s, 0.0, 1.0), 4) for s in shares}))
        if len(self.shares) < 2:
            raise ValueError(f"shares must hold at least two values to draw a curve; got {shares!r}")
        self.seeds = tuple(check_int("seed", s, minimum=0) for s in seeds)
        if not self.seeds:
            raise ValueError("seeds must list at least one seed")
        self.data_seed = check_int("data_seed", data_seed, minimum=0)
        self._data: dict[float, MultiTaskData] = {}

    # ------------------------------------------------------------------ computation, cached

    def data(self, p: float) -> MultiTaskData:
        """The two linear tasks with task correlation ``p`` (made once per ``p``)."""
        p = round(check_float("p", p, minimum=-1.0, maximum=1.0), 4)
        if p not in self._data:
            self._data[p] = related_tasks(n_train=self.n_train, n_val=50, n_test=1000, p=p,
                                          dim=self.dim, n_sines=0, seed=self.data_seed)
        return self._data[p]

    def results(self, shares: Sequence[float], p: float) -> np.ndarray:
        """Test MSE for each share, shape ``(len(shares), seeds, 2)``; trains only what is missing."""
        p = round(check_float("p", p, minimum=-1.0, maximum=1.0), 4)
        shares = [round(check_float("share", s, 0.0, 1.0), 4) for s in shares]

        def train(missing: list[tuple[float, float]]) -> np.ndarray:
            weightings = [{"task1": share, "task2": 1.0 - share} for share, _ in missing]
            return sweep_weights(self.data(p), weightings, seeds=self.seeds, hidden=self.hidden,
                                 epochs=self.epochs, lr=self.lr)

        return np.stack(self.cached([(s, p) for s in shares], train))

    def curve(self, p: float) -> np.ndarray:
        """The sweep of ``w`` over ``self.shares``: shape ``(len(shares), seeds, 2)``."""
        return self.results(self.shares, p)

    def point(self, alpha1: float, alpha2: float, p: float) -> np.ndarray:
        """Test MSE of the setting (alpha1, alpha2): shape ``(seeds, 2)``."""
        return self.results([alpha_share(alpha1, alpha2)], p)[0]

    share = staticmethod(alpha_share)

    # ------------------------------------------------------------------ drawing

    def draw(self, figure: Figure, alpha1: float, alpha2: float, p: float) -> None:
        """The trade-off curve for ``p`` and the per-task losses against ``w``, the setting marked."""
        p = round(check_float("p", p, minimum=-1.0, maximum=1.0), 4)
        alpha1 = check_float("alpha1", alpha1, minimum=0.0)
        alpha2 = check_float("alpha2", alpha2, minimum=0.0)
        curve = self.curve(p)  # (shares, seeds, 2)
        mean, spread = curve.mean(axis=1), curve.std(axis=1)
        left, right = figure.subplots(1, 2)
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.88, wspace=0.28)
        for s in range(curve.shape[1]):
            left.plot(curve[:, s, 0], curve[:, s, 1], "-", color="0.82", lw=1,
                      label="each seed" if s == 0 else None)
        left.plot(mean[:, 0], mean[:, 1], "o-", color="0.45", ms=4,
                  label=f"mean of {curve.shape[1]} seeds")
        for share, (l1, l2) in zip(self.shares, mean, strict=True):
            if share in (0.0, 0.5, 1.0):
                left.annotate(f"w={share:g}", (l1, l2), textcoords="offset points",
                              xytext=(-8, 6) if share == 0.0 else (6, 4), color="0.35",
                              ha="right" if share == 0.0 else "left")
        left.set(xscale="log", yscale="log", xlabel="task 1 test MSE (target units²)",
                 ylabel="task 2 test MSE (target units²)",
                 title=f"Trade-off over the sweep of w (p = {p:g})")
        shares = np.array(self.shares)
        for k, colour in enumerate(("C0", "C1")):
            right.plot(shares, mean[:, k], "o-", ms=3, color=colour, label=f"task {k + 1}")
            right.fill_between(shares, np.maximum(mean[:, k] - spread[:, k], 1e-3),
                               mean[:, k] + spread[:, k], color=colour, alpha=0.2, lw=0)
        noise = float(self.data(p).info["noise_std"]) ** 2
        right.axhline(noise, color="0.3", ls="--", lw=1, label="noise floor")
        right.set(yscale="log", xlim=(-0.03, 1.03), xlabel="share of task 1,  w = α₁ / (α₁ + α₂)",
                  ylabel="test MSE (target units²)")
        for axis in (left, right):
            axis.minorticks_off()  # log axes: minor ticks cost more to draw than everything else
        if alpha1 + alpha2 == 0:
            left.legend(loc="upper right")
            right.legend(loc="upper center")
            right.text(0.5, 0.5, "α₁ = α₂ = 0: the loss is 0\nand nothing is trained.\n"
                       "Give a task a positive weight.", ha="center", va="center",
                       transform=right.transAxes, fontsize=11, color="C3",
                       bbox={"facecolor": "white", "edgecolor": "C3"})
            right.set_title("Per-task test loss: no setting to train", fontsize=10)
            return
        share = alpha_share(alpha1, alpha2)
        point = self.point(alpha1, alpha2, p)  # (seeds, 2)
        at, at_spread = point.mean(axis=0), point.std(axis=0)
        left.plot(*at, "*", ms=16, color="C3", label="your setting")
        left.legend(loc="upper right")
        right.axvline(share, color="C3", lw=1)
        right.errorbar([share, share], at, yerr=at_spread, fmt="*", ms=12, color="C3", capsize=3,
                       label="your setting")
        right.legend(loc="upper center", ncol=2)
        note = {0.0: ": task 1 untrained", 1.0: ": task 2 untrained"}.get(share, "")
        right.set_title(f"α₁ = {alpha1:g}, α₂ = {alpha2:g}, so w = {share:.2f}{note}", fontsize=10)

    def controls(self, p_values: Sequence[float] = (0.0, 0.5, 0.9)) -> dict[str, object]:
        """Sliders for alpha_1, alpha_2 (0 to 2) and the task correlation p (one of ``p_values``)."""
        import ipywidgets as widgets

        p_values = [round(check_float("p", p, -1.0, 1.0), 4) for p in p_values]
        if not p_values:
            raise ValueError("p_values must list at least one task correlation")
        style = {"description_width": "initial"}
        return {
            "alpha1": widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1, description="α₁",
                                          continuous_update=False, style=style),
            "alpha2": widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1, description="α₂",
                                          continuous_update=False, style=style),
            "p": widgets.SelectionSlider(options=p_values, value=p_values[-1],
                                         description="task correlation p", continuous_update=False,
                                         style=style),
        }

    def static_twin(
        self,
        p_values: Sequence[float] = (0.0, 0.5, 0.9),
        alpha1_values: Sequence[float] = (0.0, 0.25, 0.5, 1.0, 2.0),
    ):
        """Kernel-free twin: one frame per (p, alpha_1) with alpha_2 = 1, on a single slider."""
        settings = [{"alpha1": check_float("alpha1", a, minimum=0.0), "alpha2": 1.0,
                     "p": check_float("p", p, -1.0, 1.0)} for p in p_values for a in alpha1_values]
        if not settings:
            raise ValueError("p_values and alpha1_values must each hold at least one value")
        for p in dict.fromkeys(s["p"] for s in settings):  # one batched training per p
            self.results([*self.shares, *(alpha_share(s["alpha1"], 1.0) for s in settings if s["p"] == p)], p)
        labels = [f"p = {s['p']:g}, α₁ = {s['alpha1']:g}" for s in settings]
        return self.twin(settings, labels, description="setting (α₂ = 1)")
