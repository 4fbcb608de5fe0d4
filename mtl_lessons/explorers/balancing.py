"""The balancing explorer: a method for weighting two tasks, a task-scale ratio and a relatedness.

:class:`BalancingExplorer` trains one small hard-sharing network on two related regression tasks,
task 2 measured in a unit ``scale`` times smaller than task 1's, with the balancing method chosen
on its controls, and shows the weights the method gave each task over training and the error it
reached on each task, beside equal weights.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from mtl_lessons._checks import check_choice, check_float, check_int
from mtl_lessons.data import MultiTaskData, related_tasks, scale_task
from mtl_lessons.explorers.base import Explorer
from mtl_lessons.torch.comparison import WeightingRuns, compare_weightings, target_variance
from mtl_lessons.torch.weighting import DWA, MGDA, GradNorm, PCGrad, UncertaintyWeighting

EQUAL = "equal weights"


def default_methods() -> dict[str, Callable[[MultiTaskData], object]]:
    """The methods of the balancing chapter, each a function of the data giving a fresh weighting."""
    return {
        EQUAL: lambda data: None,
        "uncertainty": lambda data: UncertaintyWeighting(data.kinds),
        "GradNorm": lambda data: GradNorm(data.tasks),
        "DWA": lambda data: DWA(),
        "PCGrad": lambda data: PCGrad(),
        "MGDA": lambda data: MGDA(),
        "MGDA-UB": lambda data: MGDA(on="features"),
    }


class BalancingExplorer(Explorer):
    """Two related regression tasks at different scales, trained with one balancing method at a time.

    Task 2's targets are multiplied by ``scale`` (its unit is ``scale`` times smaller), so its loss
    is ``scale**2`` times larger at the start. Each setting trains one network per seed of
    ``seeds`` (full-batch Adam), and the figure reports each task's test MSE divided by the variance
    of its targets, which makes the two tasks comparable whatever their units. Every data set and
    every run is cached: a move to a new setting trains at most the method and, for a new scale or
    ``p``, equal weights.
    """

    figsize = (10.0, 3.6)

    def __init__(
        self,
        methods: Mapping[str, Callable[[MultiTaskData], object]] | None = None,
        n_train: int = 200,
        dim: int = 10,
        hidden: Sequence[int] = (16,),
        epochs: int = 60,
        lr: float = 5e-2,
        seeds: Sequence[int] = (0,),
        data_seed: int = 0,
    ) -> None:
        super().__init__()
        self.methods = dict(default_methods() if methods is None else methods)
        if EQUAL not in self.methods:
            self.methods = {EQUAL: lambda data: None, **self.methods}
        self.n_train = check_int("n_train", n_train, minimum=10)
        self.dim = check_int("dim", dim, minimum=2)
        self.hidden = tuple(check_int("hidden width", h, minimum=1) for h in hidden)
        self.epochs = check_int("epochs", epochs, minimum=1)
        self.lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
        self.seeds = tuple(check_int("seed", s, minimum=0) for s in seeds)
        if not self.seeds:
            raise ValueError("seeds must list at least one seed")
        self.data_seed = check_int("data_seed", data_seed, minimum=0)
        self._data: dict[tuple[float, float], MultiTaskData] = {}

    def data(self, scale: float, p: float) -> MultiTaskData:
        """The two tasks with correlation ``p``, task 2's targets multiplied by ``scale``."""
        key = (check_float("scale", scale, minimum=0.0, strict_minimum=True),
               check_float("p", p, minimum=-1.0, maximum=1.0))
        if key not in self._data:
            base = related_tasks(n_train=self.n_train, n_val=100, n_test=500, p=key[1], dim=self.dim,
                                 seed=self.data_seed)
            self._data[key] = base if key[0] == 1.0 else scale_task(base, "task2", key[0])
        return self._data[key]

    def runs(self, method: str, scale: float, p: float) -> WeightingRuns:
        """The runs of ``method`` at this scale and ``p`` (trained once, then cached)."""
        check_choice("method", method, tuple(self.methods))
        data = self.data(scale, p)

        def train(missing: list) -> list[WeightingRuns]:
            chosen = {key[0]: self.methods[key[0]] for key in missing}
            runs = compare_weightings(data, chosen, seeds=self.seeds, hidden=self.hidden, epochs=self.epochs,
                                      lr=self.lr)
            return [runs[key[0]] for key in missing]

        return self.cached([(method, float(scale), float(p))], train)[0]

    def draw(self, figure: Figure, method: str, scale: float, p: float) -> None:
        """Left: the share of task 1 in the weights over training; right: each task's relative error."""
        check_choice("method", method, tuple(self.methods))
        scale = check_float("scale", scale, minimum=0.0, strict_minimum=True)
        p = check_float("p", p, minimum=-1.0, maximum=1.0)
        data = self.data(scale, p)
        unit = target_variance(data, "test")
        chosen, equal = self.runs(method, scale, p), self.runs(EQUAL, scale, p)
        left, right = figure.subplots(1, 2)
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.86, wspace=0.3)
        epochs = np.arange(1, chosen.weights.shape[1] + 1)
        share = chosen.weights[..., 0] / chosen.weights.sum(-1).clip(min=1e-12)  # (seeds, epochs)
        left.plot(epochs, share.mean(0), color="C3", lw=2, label=method)
        left.axhline(0.5, color="0.5", ls="--", lw=1, label=EQUAL)
        left.set(ylim=(-0.03, 1.03), xlabel="epoch", ylabel="share of task 1: w₁ / (w₁ + w₂)",
                 title="The weights the method gives")
        left.legend(loc="best")
        positions = np.arange(2)
        for offset, (label, runs, colour) in zip((-0.2, 0.2), ((EQUAL, equal, "0.6"), (method, chosen, "C3")),
                                                 strict=True):
            relative = runs.test / unit  # (seeds, tasks)
            right.bar(positions + offset, relative.mean(0), width=0.38, color=colour, label=label)
        right.set_xticks(positions, ["task 1", f"task 2 (×{scale:g})"])
        right.set(ylabel="test MSE / target variance", title="Error left on each task (lower is better)")
        right.legend(loc="best")
        figure.suptitle(f"{method}, task 2 scaled ×{scale:g}, task correlation p = {p:g}", fontsize=10)

    def controls(self, scales: Sequence[float] = (1.0, 10.0, 100.0, 1000.0),
                 p_values: Sequence[float] = (0.0, 0.5, 0.9)) -> dict[str, object]:
        """A choice of method, and sliders for task 2's scale and the task correlation ``p``."""
        import ipywidgets as widgets

        scales = [check_float("scale", s, minimum=0.0, strict_minimum=True) for s in scales]
        p_values = [check_float("p", p, minimum=-1.0, maximum=1.0) for p in p_values]
        if not scales or not p_values:
            raise ValueError("scales and p_values must each list at least one value")
        common = {"continuous_update": False, "style": {"description_width": "initial"}}
        return {
            "method": widgets.Dropdown(options=list(self.methods), value=list(self.methods)[1],
                                       description="method", style=common["style"]),
            "scale": widgets.SelectionSlider(options=scales, value=scales[min(2, len(scales) - 1)],
                                             description="task 2 scale", **common),
            "p": widgets.SelectionSlider(options=p_values, value=p_values[len(p_values) // 2],
                                         description="task correlation p", **common),
        }

    def static_twin(self, methods: Sequence[str] | None = None, scales: Sequence[float] = (1.0, 100.0),
                    p: float = 0.5):
        """Kernel-free twin: one frame per (scale, method) at one ``p``, on a single slider."""
        methods = [m for m in self.methods if m != EQUAL] if methods is None else list(methods)
        for method in methods:
            check_choice("method", method, tuple(self.methods))
        settings = [{"method": m, "scale": float(s), "p": float(p)} for s in scales for m in methods]
        if len(scales) == 1:
            return self.twin(settings, [s["method"] for s in settings], description="method")
        labels = [f"×{s['scale']:g}, {s['method']}" for s in settings]
        return self.twin(settings, labels, description="task 2 scale, method")
