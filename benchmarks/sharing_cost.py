"""Wall-clock costs that the chapters print but do not assert (they depend on the machine and its
load): a hard-sharing step against separate networks, an alternating epoch against a joint one.
`make bench` records them on every run.
"""

from __future__ import annotations

from mtl_lessons import set_seed
from mtl_lessons.data import related_tasks, select_tasks
from mtl_lessons.torch import HardSharingNet, seconds_per_step

HIDDEN = (32, 32, 32)


def step_time_ratios(rounds: int = 7) -> dict[str, float]:
    """Step time of hard sharing over 8 tasks, against 8 separate networks and against one network."""
    data = related_tasks(n_train=200, p=0.9, n_tasks=8, dim=10, seed=0)
    set_seed(0)
    shared = HardSharingNet(10, data.output_sizes(), HIDDEN)
    single = HardSharingNet(10, {"task1": 1}, HIDDEN)
    one_task = select_tasks(data, ["task1"])
    best_shared = best_single = float("inf")
    for _ in range(rounds):  # interleaved, the fastest of each: a busy machine only slows a run down
        best_shared = min(best_shared, seconds_per_step(shared, data, steps=10, repeats=1))
        best_single = min(best_single, seconds_per_step(single, one_task, steps=10, repeats=1))
    return {"shared_step_vs_8_networks": round(best_shared / (8 * best_single), 3),
            "shared_step_vs_one_network": round(best_shared / best_single, 3)}


def alternating_vs_joint_epoch(rounds: int = 7) -> dict[str, float]:
    """CPU time of one epoch of alternating training over one of joint training (the PyTorch chapter)."""
    import time

    from mtl_lessons.data import digit_pairs
    from mtl_lessons.torch import fit

    data = digit_pairs(n_train=1000, n_val=500, n_test=1000, tasks=("left", "right"), seed=0)
    set_seed(0)
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(64, 64))
    best = {"joint": float("inf"), "alternating": float("inf")}
    for _ in range(rounds):
        for schedule in best:
            start = time.process_time()
            fit(model, data, epochs=1, batch_size=64, lr=3e-3, schedule=schedule, progress=False,
                device="cpu")
            best[schedule] = min(best[schedule], time.process_time() - start)
    return {"alternating_vs_joint_epoch": round(best["alternating"] / best["joint"], 3)}


if __name__ == "__main__":
    print(step_time_ratios(), alternating_vs_joint_epoch())
