"""How much the book's training loop costs over a bare hand-written PyTorch loop."""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from mtl_lessons import set_seed
from mtl_lessons.data import related_tasks
from mtl_lessons.torch import HardSharingNet, fit, make_optimizer

EPOCHS, BATCH, N = 100, 64, 2000


def _model(data) -> HardSharingNet:
    set_seed(0)
    return HardSharingNet(data.input_shape, data.output_sizes(), hidden=(64, 64))


def bare_loop_seconds(data) -> float:
    """The same training written by hand, with the same optimiser: no history, no checks, no validation."""
    model = _model(data)
    x = torch.as_tensor(data.train.x)
    ys = [torch.as_tensor(data.train.y[t]) for t in data.tasks]
    optimizer = make_optimizer("adam", model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(EPOCHS):
        order = torch.randperm(len(x))
        for i in range(0, len(x), BATCH):
            idx = order[i : i + BATCH]
            out = model(x[idx])
            loss = sum(F.mse_loss(out[t], y[idx]) for t, y in zip(data.tasks, ys, strict=True))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return time.perf_counter() - start


def fit_seconds(data) -> float:
    model = _model(data)
    start = time.perf_counter()
    fit(model, data, epochs=EPOCHS, batch_size=BATCH, lr=1e-3, progress=False, device="cpu")
    return time.perf_counter() - start


def fit_speed(repeats: int = 5) -> dict[str, float]:
    """Seconds of `fit` on 2,000 examples for 100 epochs, and its ratio to a bare loop.

    The runs are interleaved and each side keeps its fastest: load from other programs only ever
    slows a run down, so the minimum is the least disturbed measurement of each.
    """
    data = related_tasks(n_train=N, p=0.5, seed=0)
    fit_seconds(data.with_train_size(200))  # warm-up
    fits, bares = [], []
    for _ in range(repeats):  # interleaved, so that machine load hits both alike
        fits.append(fit_seconds(data))
        bares.append(bare_loop_seconds(data))
    fit_s, bare_s = min(fits), min(bares)
    return {"fit_2k_100ep_s": round(fit_s, 3), "bare_2k_100ep_s": round(bare_s, 3),
            "fit_vs_bare_ratio": round(fit_s / bare_s, 3)}


if __name__ == "__main__":
    print(fit_speed())
