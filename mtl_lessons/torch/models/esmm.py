"""ESMM, the entire space multi-task model of Ma et al. (SIGIR 2018), for clicks and conversions.

A shared embedding feeds two towers: one predicts pCTR = P(click | exposure), the other pCVR =
P(buy | click, exposure). The network is trained on every exposure, never on the clicked ones
alone, with two observable labels: the click, against pCTR, and the conversion (click and buy),
against pCTCVR = pCTR * pCVR. pCVR itself is never fitted directly; it is read out of the model.

Each head returns the two-class logits ``[log(1 - p), log p]`` of its probability ``p``: the
book's cross-entropy on logits then equals the binary cross-entropy of ``p``, so the standard
``fit`` trains ESMM exactly, with no loop of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mtl_lessons._checks import check_int
from mtl_lessons.torch.models.common import MultiTaskNet, check_hidden, mlp


def probability_logits(log_p: torch.Tensor, log_not_p: torch.Tensor) -> torch.Tensor:
    """Two-class logits ``[log(1 - p), log p]``, shape ``(n, 2)``: their softmax is ``[1 - p, p]``."""
    return torch.stack([log_not_p, log_p], dim=1)


class ESMMNet(MultiTaskNet):
    """ESMM: a shared embedding, a CTR tower and a CVR tower; heads for the click and the conversion.

    The embedding is one linear layer on the flattened input (on one-hot ids it is a sum of
    embedding vectors, one per field); each tower is a ReLU MLP of widths ``tower_hidden`` ending
    in one logit. The head ``tasks[0]`` ("click") outputs the logits of pCTR, the head ``tasks[1]``
    ("conversion") those of pCTCVR = pCTR * pCVR, both as ``[log(1 - p), log p]``, computed in log
    space so that tiny probabilities stay finite. :meth:`rates` reads pCTR, pCVR and pCTCVR out.

    ``entire_space=False`` makes the second head output pCVR itself, for a CVR label observed on
    the clicked exposures only (missing elsewhere, see ``clicked_labels``): the same network
    trained the usual multi-task way, sharing the embedding but not ESMM's entire-space loss.
    """

    def __init__(
        self,
        input_shape: int | Sequence[int],
        embedding: int = 16,
        tower_hidden: Sequence[int] = (16,),
        tasks: Sequence[str] = ("click", "conversion"),
        entire_space: bool = True,
    ) -> None:
        if isinstance(tasks, str) or len(tuple(tasks)) != 2 or len(set(tasks)) != 2:
            raise ValueError("tasks must name two different tasks, the click and the conversion; "
                             f"got {tasks!r}")
        if not isinstance(entire_space, bool):
            raise TypeError(f"entire_space must be True or False; got {entire_space!r}")
        self.click_task, self.conversion_task = tuple(tasks)
        self.entire_space = entire_space
        super().__init__(input_shape, {self.click_task: 2, self.conversion_task: 2})
        embedding = check_int("embedding", embedding, minimum=1)
        widths = [embedding, *check_hidden(tower_hidden, name="tower_hidden")]
        self.embedding = nn.Sequential(nn.Flatten(), nn.Linear(self.in_features, embedding))
        self.ctr_tower = nn.Sequential(*mlp(widths), nn.Linear(widths[-1], 1))
        self.cvr_tower = nn.Sequential(*mlp(widths), nn.Linear(widths[-1], 1))

    def shared_parameters(self) -> list[nn.Parameter]:
        """The embedding, which both towers read."""
        return list(self.embedding.parameters())

    def representation_module(self) -> nn.Module:
        """The shared embedding layer."""
        return self.embedding

    def tower_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The CTR tower's and the CVR tower's logits, each of shape ``(n,)``."""
        self.check_input(x)
        shared = self.embedding(x)
        return self.ctr_tower(shared).squeeze(-1), self.cvr_tower(shared).squeeze(-1)

    def forward(self, x: torch.Tensor, task: str | None = None) -> dict[str, torch.Tensor]:
        """``{click: logits of pCTR, conversion: logits of pCTR * pCVR}``, each ``(n, 2)``."""
        tasks = self.check_input(x, task)
        ctr, cvr = self.tower_logits(x)
        log_ctr, log_no_click = F.logsigmoid(ctr), F.logsigmoid(-ctr)
        outputs = {}
        if self.click_task in tasks:
            outputs[self.click_task] = probability_logits(log_ctr, log_no_click)
        if self.conversion_task in tasks and not self.entire_space:
            outputs[self.conversion_task] = probability_logits(F.logsigmoid(cvr), F.logsigmoid(-cvr))
        elif self.conversion_task in tasks:
            log_ctcvr = log_ctr + F.logsigmoid(cvr)
            # 1 - pCTR pCVR = (1 - pCTR) + pCTR (1 - pCVR), added in log space
            log_no_conversion = torch.logaddexp(log_no_click, log_ctr + F.logsigmoid(-cvr))
            outputs[self.conversion_task] = probability_logits(log_ctcvr, log_no_conversion)
        return outputs

    @torch.no_grad()
    def rates(self, x: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
        """pCTR, pCVR and pCTCVR of every row of ``x``, as NumPy arrays (in evaluation mode)."""
        was_training = self.training
        self.eval()
        ctr, cvr = self.tower_logits(_as_input(x, self))
        self.train(was_training)
        pctr, pcvr = torch.sigmoid(ctr), torch.sigmoid(cvr)
        return {"pctr": pctr.cpu().numpy(), "pcvr": pcvr.cpu().numpy(), "pctcvr": (pctr * pcvr).cpu().numpy()}


class CVRNet(MultiTaskNet):
    """The classic CVR model: ESMM's embedding and CVR tower alone, one two-class head.

    It is meant to be trained on the clicked exposures only, where its label (bought or not) is
    observed; it is the paper's BASE model. Its head returns ``[log(1 - pCVR), log pCVR]`` like
    ESMM's, and :meth:`rates` reads pCVR out.
    """

    def __init__(
        self, input_shape: int | Sequence[int], embedding: int = 16, tower_hidden: Sequence[int] = (16,),
        task: str = "cvr",
    ) -> None:
        super().__init__(input_shape, {task: 2})
        self.task = task
        embedding = check_int("embedding", embedding, minimum=1)
        widths = [embedding, *check_hidden(tower_hidden, name="tower_hidden")]
        self.embedding = nn.Sequential(nn.Flatten(), nn.Linear(self.in_features, embedding))
        self.cvr_tower = nn.Sequential(*mlp(widths), nn.Linear(widths[-1], 1))

    def forward(self, x: torch.Tensor, task: str | None = None) -> dict[str, torch.Tensor]:
        """``{task: logits of pCVR}``, shape ``(n, 2)``."""
        self.check_input(x, task)
        logit = self.cvr_tower(self.embedding(x)).squeeze(-1)
        return {self.task: probability_logits(F.logsigmoid(logit), F.logsigmoid(-logit))}

    @torch.no_grad()
    def rates(self, x: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
        """pCVR of every row of ``x`` as ``{"pcvr": NumPy array}`` (in evaluation mode)."""
        was_training = self.training
        self.eval()
        logit = self.cvr_tower(self.embedding(_as_input(x, self))).squeeze(-1)
        self.train(was_training)
        return {"pcvr": torch.sigmoid(logit).cpu().numpy()}


def _as_input(x: torch.Tensor | np.ndarray, model: nn.Module) -> torch.Tensor:
    device = next(model.parameters()).device
    if isinstance(x, np.ndarray):
        dtype = torch.long if np.issubdtype(x.dtype, np.integer) else torch.float32
        return torch.as_tensor(x, dtype=dtype, device=device)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a NumPy array or a torch tensor; got {type(x).__name__}")
    return x.to(device)


@torch.no_grad()
def positive_probabilities(model: MultiTaskNet, x: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
    """P(class 1) of every two-class head of a book network: ``{task: (n,) NumPy array}``.

    Works for any model whose heads return two-class logits (``HardSharingNet``, ``MMoENet``,
    ``ESMMNet``...): the softmax of the logits, second column.
    """
    if not isinstance(model, nn.Module) or not hasattr(model, "heads_units"):
        raise TypeError(f"model must be one of the book's multi-task networks; got {type(model).__name__}")
    two_class = [t for t, units in model.heads_units.items() if units == 2]
    if not two_class:
        raise ValueError(f"the model has no two-class head; its heads are {model.heads_units}")
    was_training = model.training
    model.eval()
    outputs = model(_as_input(x, model))
    model.train(was_training)
    return {t: torch.softmax(outputs[t], dim=1)[:, 1].cpu().numpy() for t in two_class}
