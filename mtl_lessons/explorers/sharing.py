"""The sharing explorer: how much two small networks share, and what it does to each task.

:class:`SharingExplorer` puts the batched trainer :func:`~mtl_lessons.torch.train_copies`
behind sliders for the shared depth, the soft-sharing strength lambda, the task correlation ``p``,
the training-set size ``n`` and the task weight alpha_1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data import MultiTaskData, related_tasks
from mtl_lessons.explorers.base import Explorer
from mtl_lessons.torch.batched import SharingSetting, train_copies


class SharingExplorer(Explorer):
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
        super().__init__()
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

        def train(missing: list[tuple]) -> np.ndarray:
            result = train_copies(self.data(p, n), [s for s, _, _ in missing], self.seeds, self.hidden,
                                  self.epochs, self.lr, eval_every=self.eval_every)
            return result.test[0]

        return np.stack(self.cached([(s, p, n) for s in settings], train))

    def setting(self, depth: int, lam: float, alpha1: float = 1.0) -> SharingSetting:
        """The setting of the sliders (alpha_2 = 1), with lambda and the share rounded for caching."""
        alpha1 = check_float("alpha1", alpha1, minimum=0.0)
        depth = check_int("depth", depth, minimum=0, maximum=len(self.hidden))
        return SharingSetting.with_share(depth, round(check_float("lam", lam, minimum=0.0), 6),
                                         round(alpha1 / (alpha1 + 1.0), 4))

    def draw(self, figure: Figure, depth: int = 2, lam: float = 0.0, p: float = 0.9, n: int = 50,
             alpha1: float = 1.0) -> None:
        """Per-task test MSE of the setting against the single-task baseline, and the depth sweep."""
        chosen = self.setting(depth, lam, alpha1)
        depths = [self.setting(d, 0.0) for d in range(len(self.hidden) + 1)]
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
                 title=f"depth {chosen.depth}, λ = {chosen.lam:g}, w = {alpha1 / (alpha1 + 1):.2f} "
                       f"(p = {p:g}, n = {n})")
        left.title.set_fontsize(10)
        left.legend(loc="lower right")
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
        right.title.set_fontsize(10)
        right.legend()

    def controls(self, p_values: Sequence[float] = (0.0, 0.5, 0.9, 1.0)) -> dict[str, object]:
        """Sliders for the shared depth, lambda, p (one of ``p_values``), n and alpha_1."""
        import ipywidgets as widgets

        p_values = [round(check_float("p", p, -1.0, 1.0), 4) for p in p_values]
        if not p_values:
            raise ValueError("p_values must list at least one task correlation")
        style = {"description_width": "initial"}
        return {
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

    def widget(self, alpha_explorer: Explorer | None = None,
               p_values: Sequence[float] = (0.0, 0.5, 0.9, 1.0)):
        """The live explorer; given an ``AlphaExplorer``, its p and alpha_1 sliders move with ours.

        "Linked" means: one task correlation ``p`` and one alpha_1 for both explorers, so the
        reader sees, for the same pair of tasks, what the weights do (alpha explorer) and what
        the amount of sharing does (this one).
        """
        import ipywidgets as widgets

        box = super().widget(p_values=p_values)
        if alpha_explorer is None:
            return box
        other = alpha_explorer.widget(p_values=p_values)
        widgets.link((box.controls["p"], "value"), (other.controls["p"], "value"))
        widgets.link((box.controls["alpha1"], "value"), (other.controls["alpha1"], "value"))
        return widgets.VBox([box, other])

    def static_twin(self, depths: Sequence[int] | None = None, p_values: Sequence[float] = (0.0, 0.5, 0.9),
                    n: int = 50):
        """Kernel-free twin: one frame per (p, depth) at lambda = 0, alpha_1 = 1 and ``n`` examples."""
        depths = list(range(len(self.hidden) + 1)) if depths is None else list(depths)
        settings = [{"depth": check_int("depth", d, 0, len(self.hidden)), "lam": 0.0,
                     "p": check_float("p", p, -1.0, 1.0), "n": n} for p in p_values for d in depths]
        labels = [f"p = {s['p']:g}, depth {s['depth']}" for s in settings]
        return self.twin(settings, labels, description=f"setting (n = {n})")
