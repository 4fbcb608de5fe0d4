"""Checkers for the exercises of the recommendation chapter (clicks, conversions, ESMM).

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from mtl_lessons.data.base import CLASSIFICATION
from mtl_lessons.exercises import Feedback, as_number, checker, multiple_choice
from mtl_lessons.metrics import auc

# Exercise 13.1: CTR, CVR and CTCVR from the counts of a log ----------------------------------------

LOG_COUNTS = {"exposures": 50_000, "clicks": 2_000, "conversions": 60}


@checker
def check_rates_from_counts(ctr: object, cvr: object, ctcvr: object) -> Feedback:
    """Exercise 13.1: the three rates of a log of 50,000 exposures, 2,000 clicks and 60 conversions."""
    exposures, clicks, conversions = LOG_COUNTS.values()
    expected = {"ctr": clicks / exposures, "cvr": conversions / clicks, "ctcvr": conversions / exposures}
    values = {}
    for name, answer in (("ctr", ctr), ("cvr", cvr), ("ctcvr", ctcvr)):
        number = as_number(answer, f"`{name}`")
        if isinstance(number, Feedback):
            return number
        values[name] = number
    for name, value in values.items():
        if np.isclose(value, 100 * expected[name], rtol=1e-3):
            return Feedback(False, f"`{name}` = {value:g} looks like a percentage; give rates as fractions "
                                   f"between 0 and 1 ({expected[name]:g}).")
    if not np.isclose(values["ctr"], expected["ctr"], rtol=1e-3):
        return Feedback(False, f"`ctr` = {values['ctr']:g}: the click-through rate is clicks per exposure.")
    if np.isclose(values["cvr"], expected["ctcvr"], rtol=1e-3):
        return Feedback(False, "`cvr` is conversions per exposure, but the CVR is post-click: the share of "
                               "clicks that convert, so divide by the clicks.")
    if not np.isclose(values["cvr"], expected["cvr"], rtol=1e-3):
        return Feedback(False, f"`cvr` = {values['cvr']:g}: the post-click conversion rate is conversions "
                               "per click.")
    if np.isclose(values["ctcvr"], expected["cvr"], rtol=1e-3):
        return Feedback(False, "`ctcvr` equals your CVR; the CTCVR is the probability that an exposure is "
                               "clicked *and* converts: conversions per exposure.")
    if not np.isclose(values["ctcvr"], expected["ctcvr"], rtol=1e-3):
        return Feedback(False, f"`ctcvr` = {values['ctcvr']:g}: it is conversions per exposure, which also "
                               "equals CTR x CVR.")
    return Feedback(True, f"CTR = {expected['ctr']:g}, CVR = {expected['cvr']:g} and CTCVR = "
                          f"{expected['ctcvr']:g} = CTR x CVR: the identity ESMM builds on.")


# Exercise 13.2: an AUC by hand ---------------------------------------------------------------------

AUC_LABELS = np.array([1, 1, 0, 1, 0, 0])
AUC_SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.6, 0.2])


@checker
def check_auc_by_hand(value: object) -> Feedback:
    """Exercise 13.2: the AUC of ``AUC_SCORES`` against ``AUC_LABELS`` (one positive-negative tie)."""
    number = as_number(value, "Your AUC")
    if isinstance(number, Feedback):
        return number
    expected = auc(AUC_LABELS, AUC_SCORES)  # 7.5 / 9
    if np.isclose(number, expected, atol=1e-3):
        return Feedback(True, f"AUC = 7.5 / 9 = {expected:.4f}: 9 positive-negative pairs, 7 ordered "
                              "correctly and one tie counted as one half.")
    if np.isclose(number, 7 / 9, atol=1e-3):
        return Feedback(False, "You counted the tie (0.6 against 0.6) as a loss; a tie counts one half.")
    if np.isclose(number, 8 / 9, atol=1e-3):
        return Feedback(False, "You counted the tie (0.6 against 0.6) as a win; a tie counts one half.")
    if np.isclose(number, 4 / 6, atol=1e-3):
        return Feedback(False, "That is the accuracy at the threshold 0.5; the AUC compares every positive "
                               "with every negative and needs no threshold.")
    return Feedback(False, f"Got {number:.4g}. Count the pairs (positive, negative): 3 x 3 = 9; for each, "
                           "1 if the positive scores higher, 1/2 for a tie; divide by 9.")


# Exercise 13.3: which setups suffer from sample selection bias? -----------------------------------

_SETUPS = {
    "a": "a CTR model trained on last week's exposures, used on this week's: every exposure has its label, "
         "so the training rows are a fair sample of the rows it is used on (time may still shift the "
         "data, but that is not selection by the users)",
    "b": "a CVR model trained on the clicked exposures, used to rank every candidate item: its training "
         "rows are the ones users chose to click, its inference rows are all exposures",
    "c": "a rating model trained on the ratings of the films that users chose to watch, used to predict "
         "ratings of every film: ratings are missing not at random",
    "d": "ESMM's pCTCVR, trained on every exposure and used on every exposure: its label is observed on "
         "the whole space",
}
_BIASED = {"b", "c"}


def _letters(answer: object) -> set[str] | None:
    if isinstance(answer, str):
        parts = [c for c in answer.lower() if c.isalpha()]
    elif isinstance(answer, (set, list, tuple, frozenset)):
        parts = [str(c).strip().lower() for c in answer]
    else:
        return None
    return set(parts)


@checker
def check_selection_bias(answer: object) -> Feedback:
    """Exercise 13.3: the set of setups (letters) whose training rows are selected by the users' choices."""
    letters = _letters(answer)
    if letters is None or not letters or not letters <= set(_SETUPS):
        return Feedback(False, f"Answer with the letters of the biased setups, such as {{'a', 'd'}} or 'ad'; "
                               f"got {answer!r}.")
    if letters == _BIASED:
        return Feedback(True, "(b) and (c): in both, a label is observed only on the rows that users chose "
                              "(clicked, watched), and the model is used on rows they did not choose.")
    missing = sorted(_BIASED - letters)
    if missing:
        return Feedback(False, f"({missing[0]}) is biased too: {_SETUPS[missing[0]]}.")
    wrong = sorted(letters - _BIASED)[0]
    return Feedback(False, f"({wrong}) is not selection-biased: {_SETUPS[wrong]}.")


# Exercise 13.4: a third task --------------------------------------------------------------------

_THIRD_TASK = {
    "a": "Three separate models, the cart model trained on clicked exposures and the purchase model on "
         "carted ones, bring back both of ESMM's problems twice: each model is trained on a smaller "
         "space than the one it is used on, and the purchase model sees the fewest rows of all.",
    "b": "One network over every exposure, a shared embedding and three towers for pCTR, "
         "P(cart | click) and P(buy | cart), trained on the labels click, click-and-cart and "
         "click-and-cart-and-buy against pCTR, pCTR x pCART and pCTR x pCART x pBUY: every label is "
         "observed on the whole space, and the sparse purchase task borrows the embedding of the denser "
         "ones. (If a purchase can also happen without the cart, the path branches; Wen et al. 2020 "
         "model exactly that.)",
    "c": "Training the new head on the clicked exposures only reintroduces the sample selection bias "
         "ESMM removed: the cart label is used on every exposure but learnt on the clicked ones.",
    "d": "Add-to-cart has more positives, but it is a different event: replacing the purchase by it "
         "changes what the system optimises. Use it as an extra supervised step, not as a substitute.",
}


@checker
def check_third_task(answer: object) -> Feedback:
    """Exercise 13.4: how to add add-to-cart between the click and the purchase."""
    return multiple_choice(answer, "b", _THIRD_TASK)


# Exercise 13.5: ESMM's loss -------------------------------------------------------------------------


def esmm_loss_reference(ctr_logit, cvr_logit, click, conversion):
    """Mean binary cross-entropy of the click against pCTR plus that of the conversion against pCTR pCVR."""
    pctcvr = torch.sigmoid(ctr_logit) * torch.sigmoid(cvr_logit)
    return (F.binary_cross_entropy_with_logits(ctr_logit, click)
            + F.binary_cross_entropy(pctcvr, conversion))


def _esmm_cases():
    """Tower logits of a small ESMMNet on random exposures, labels drawn from its rates, its loss."""
    from mtl_lessons.torch import ESMMNet
    from mtl_lessons.torch.losses import task_loss

    cases = []
    for seed, n in ((0, 12), (1, 40)):
        generator = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        model = ESMMNet(6, embedding=3, tower_hidden=(4,)).double()
        x = torch.randn(n, 6, generator=generator, dtype=torch.float64)
        with torch.no_grad():
            for layer in (model.ctr_tower[-1], model.cvr_tower[-1]):  # rates further from 1/2 than at first
                layer.weight.mul_(3)
                layer.bias.mul_(3)
            ctr, cvr = model.tower_logits(x)
        click = (torch.rand(n, generator=generator, dtype=torch.float64) < torch.sigmoid(ctr)).double()
        bought = (torch.rand(n, generator=generator, dtype=torch.float64) < torch.sigmoid(cvr)).double()
        conversion = click * bought
        outputs = model(x)
        package = (task_loss(outputs["click"], click.long(), CLASSIFICATION)
                   + task_loss(outputs["conversion"], conversion.long(), CLASSIFICATION))
        cases.append((ctr, cvr, click, conversion, float(package.detach())))
    return cases


@checker
def check_esmm_loss(function: Callable) -> Feedback:
    """Exercise 13.5: ``function(ctr_logit, cvr_logit, click, conversion)`` is ESMM's loss, as
    `fit` has it."""
    for ctr, cvr, click, conversion, package in _esmm_cases():
        ctr_in, cvr_in = ctr.clone().requires_grad_(True), cvr.clone().requires_grad_(True)
        value = function(ctr_in, cvr_in, click.clone(), conversion.clone())
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            return Feedback(False, f"Return the loss as one torch number (a 0-d tensor); got {value!r}.")
        if not value.requires_grad:
            return Feedback(False, "Your loss has no gradient: compute it with torch operations on the "
                                   "logits.")
        number = float(value.detach())
        pctr, pcvr = torch.sigmoid(ctr), torch.sigmoid(cvr)
        click_term = float(F.binary_cross_entropy(pctr, click))
        wrong = {
            "cvr": click_term + float(F.binary_cross_entropy(pcvr, conversion)),
            "clicked": click_term + float(F.binary_cross_entropy(pcvr[click == 1], conversion[click == 1])),
            "logits": click_term + float(F.binary_cross_entropy_with_logits(ctr * cvr, conversion)),
            "sum": len(click) * package,
            "ctcvr only": float(F.binary_cross_entropy(pctr * pcvr, conversion)),
        }
        if abs(number - package) <= 1e-6 * max(1.0, package):
            grad_ctr, grad_cvr = torch.autograd.grad(value.reshape(()), (ctr_in, cvr_in), allow_unused=True)
            if grad_ctr is None or grad_cvr is None:
                return Feedback(False, "Your loss has the right value, but no gradient reaches one of the "
                                       "towers.")
            continue
        if abs(number - wrong["cvr"]) < 1e-6 * max(1.0, wrong["cvr"]):
            return Feedback(False, "You compared the conversion with pCVR. The label on every exposure is "
                                   "'clicked and bought', whose probability is pCTR x pCVR: pCVR is never "
                                   "fitted "
                                   "directly.")
        if abs(number - wrong["clicked"]) < 1e-6 * max(1.0, wrong["clicked"]):
            return Feedback(False, "You fitted pCVR on the clicked exposures only: that is the loss of the "
                                   "shared "
                                   "clicked-CVR model, with its selection bias. ESMM fits pCTR x pCVR on "
                                   "every "
                                   "exposure.")
        if abs(number - wrong["logits"]) < 1e-6 * max(1.0, wrong["logits"]):
            return Feedback(False, "You multiplied the logits; ESMM multiplies the probabilities, "
                                   "sigmoid(ctr) x sigmoid(cvr).")
        if abs(number - wrong["sum"]) < 1e-6 * max(1.0, wrong["sum"]):
            return Feedback(False, "You summed over the exposures; `fit` averages each task's loss over the "
                                   "exposures of a batch, so take the mean.")
        if abs(number - wrong["ctcvr only"]) < 1e-6 * max(1.0, wrong["ctcvr only"]):
            return Feedback(False, "You have the pCTCVR term only; ESMM's loss also fits the click against "
                                   "pCTR.")
        return Feedback(False, f"On {len(click)} exposures the package's ESMM loss is {package:.6f}; yours "
                               "is "
                               f"{number:.6f}.")
    return Feedback(True, "Your loss equals the cross-entropy that `fit` computes from ESMMNet's two heads "
                          "on "
                          "every case: the click against pCTR and the conversion against pCTR x pCVR, on "
                          "every "
                          "exposure.")
