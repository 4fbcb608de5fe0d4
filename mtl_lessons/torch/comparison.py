"""One network, several task weightings, several seeds: the runs that compare balancing methods.

Every method trains the same :class:`~mtl_lessons.torch.HardSharingNet` from the same initial
weights with the same loop, :func:`~mtl_lessons.torch.fit`, full-batch by default, so that the
weighting is the only difference. A weighting is given as a function of the data that makes a
fresh one (methods such as GradNorm or DWA keep a state that must not leak into the next run).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data.base import MultiTaskData
from mtl_lessons.seeding import effective_seed
from mtl_lessons.torch.models import HardSharingNet
from mtl_lessons.torch.training import fit
from mtl_lessons.torch.weighting.base import Weighting

WeightingFactory = Callable[[MultiTaskData], Weighting | Mapping[str, float] | None]


@dataclass
class WeightingRuns:
    """The runs of one weighting: arrays indexed ``[seed, ...]``, tasks in the data's order.

    ``test`` and ``val``: each task's metric after the last epoch, shape ``(seeds, tasks)``;
    ``train``: each task's mean training loss in the last epoch, ``(seeds, tasks)``;
    ``weights``: the weight each task's loss received in every epoch, ``(seeds, epochs, tasks)``;
    ``seconds``: wall-clock time of all its runs; ``models``: the trained network of each seed, to
    look inside a run (its gradients, its heads) without training it again.
    """

    test: np.ndarray
    val: np.ndarray
    train: np.ndarray
    weights: np.ndarray
    seconds: float
    models: list[HardSharingNet] = field(default_factory=list)


def target_variance(data: MultiTaskData, split: str = "test") -> np.ndarray:
    """Each task's target variance on ``split`` (labelled targets): an MSE divided by it is scale-free."""
    return np.array([float(np.nanvar(getattr(data, split).y[t])) for t in data.tasks])


def compare_weightings(
    datasets: MultiTaskData | Sequence[MultiTaskData],
    methods: Mapping[str, WeightingFactory],
    seeds: Sequence[int] = (0,),
    hidden: Sequence[int] = (16,),
    epochs: int = 200,
    lr: float = 3e-2,
    batch_size: int | None = None,
) -> dict[str, WeightingRuns]:
    """Train one network per (method, seed) and score it; return the runs of each method.

    ``datasets`` is one data set for every seed, or one per seed (seed ``k`` trains on
    ``datasets[k]``). ``methods`` maps a name to a function that makes the weighting for a data
    set (``lambda data: None`` is equal weights). The network of seed ``s`` starts from the same
    weights for every method.
    """
    seeds = [check_int("seed", s, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    if isinstance(datasets, MultiTaskData):
        datasets = [datasets] * len(seeds)
    datasets = list(datasets)
    if len(datasets) != len(seeds):
        raise ValueError(f"give one data set, or one per seed: got {len(datasets)} data sets for "
                         f"{len(seeds)} seeds")
    if not isinstance(methods, Mapping) or not methods:
        raise ValueError("methods must be a non-empty dict {name: function of the data giving a weighting}")
    for name, make in methods.items():
        if not callable(make) or isinstance(make, Weighting):  # one object would be shared by all runs
            raise TypeError(f"methods[{name!r}] must be a function of the data set that returns a weighting "
                            f"(such as lambda data: PCGrad()); got {make!r}")
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    runs = {}
    for name, make in methods.items():
        test, val, train, weights, models = [], [], [], [], []
        start = time.perf_counter()
        for seed, data in zip(seeds, datasets, strict=True):
            torch.manual_seed(effective_seed(seed))
            model = HardSharingNet(data.input_shape, data.output_sizes(), hidden)
            history = fit(model, data, epochs=epochs, batch_size=batch_size, lr=lr, weighting=make(data),
                          eval_every=epochs, eval_splits=("val", "test"), progress=False)
            test.append([history.final("test")[t] for t in data.tasks])
            val.append([history.final("val")[t] for t in data.tasks])
            train.append([history.train_loss[t][-1] for t in data.tasks])
            weights.append([history.weights[t] for t in data.tasks])
            models.append(model)
        runs[name] = WeightingRuns(np.array(test), np.array(val), np.array(train),
                                   np.array(weights).transpose(0, 2, 1), time.perf_counter() - start, models)
    return runs

