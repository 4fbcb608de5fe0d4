"""The book's interactive explorers: live widgets in a kernel, static twins on the website.

One explorer per module over a shared base (:mod:`~mtl_lessons.explorers.base`); the widget
plumbing that any chapter can use for its own figure is in :mod:`~mtl_lessons.explorers.widgets`.
"""

from mtl_lessons.explorers.alpha import AlphaExplorer, alpha_share, sweep_weights, weighted_test_loss
from mtl_lessons.explorers.balancing import BalancingExplorer
from mtl_lessons.explorers.base import Explorer
from mtl_lessons.explorers.sharing import SharingExplorer
from mtl_lessons.explorers.widgets import grid, live_explorer, static_twin

__all__ = [
    "AlphaExplorer",
    "BalancingExplorer",
    "Explorer",
    "SharingExplorer",
    "alpha_share",
    "grid",
    "live_explorer",
    "static_twin",
    "sweep_weights",
    "weighted_test_loss",
]
