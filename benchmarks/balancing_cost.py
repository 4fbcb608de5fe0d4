"""What each balancing method costs per training step, as a ratio to the plain weighted sum."""

from __future__ import annotations

import torch

from mtl_lessons.data import scaled_tasks
from mtl_lessons.explorers.balancing import default_methods
from mtl_lessons.torch import HardSharingNet, from_torchjd, seconds_per_step


def step_ratios(
    tasks: int = 2, hidden: tuple[int, ...] = (16,), steps: int = 30, repeats: int = 5
) -> dict[str, float]:
    """Seconds per full-batch step of each method over the plain sum's, on the chapter's toy network."""
    from torchjd.aggregation import UPGrad

    data = scaled_tasks(tuple(10.0 ** k for k in range(tasks)), n_train=400, seed=0)
    methods = {**default_methods(), "UPGrad": lambda d: from_torchjd(UPGrad())}
    seconds = {}
    for name, make in methods.items():
        torch.manual_seed(0)
        model = HardSharingNet(data.input_shape, data.output_sizes(), hidden)
        seconds[name] = seconds_per_step(model, data, steps=steps, repeats=repeats, weighting=make(data))
    plain = seconds["equal weights"]
    label = f"{tasks}_tasks"
    return {f"balancing_step_ratio_{name.replace(' ', '_')}_{label}": round(s / plain, 2)
            for name, s in seconds.items() if name != "equal weights"} | {
        f"balancing_plain_step_ms_{label}": round(1000 * plain, 3)}


if __name__ == "__main__":
    print(step_ratios(2))
    print(step_ratios(5))
