"""What every explorer of the book shares: a cache of trained results, a live widget, a static twin.

An explorer is a figure with knobs. Subclasses say how to draw the figure for one setting
(:meth:`Explorer.draw`) and which controls move it (:meth:`Explorer.controls`); this base class
keeps every result already trained (so that a slider move trains at most what is new), builds the
live widget and the kernel-free static twin, and times each update.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from matplotlib.figure import Figure

from mtl_lessons.explorers.widgets import live_explorer, static_twin


class Explorer:
    """Base of the book's explorers: subclasses implement :meth:`draw` and :meth:`controls`."""

    figsize: tuple[float, float] = (10.0, 3.8)

    def __init__(self) -> None:
        self._results: dict[Hashable, object] = {}
        self.trainings = 0  # batched training runs so far (cache misses)

    def cached(self, keys: Sequence[Hashable], train: Callable[[list[Hashable]], Sequence[object]]) -> list:
        """The results for ``keys``; ``train(missing)`` computes the missing ones in one batch."""
        missing = list(dict.fromkeys(k for k in keys if k not in self._results))
        if missing:
            results = train(missing)
            self.trainings += 1
            for key, result in zip(missing, results, strict=True):
                self._results[key] = result
        return [self._results[k] for k in keys]

    def is_cached(self, key: Hashable) -> bool:
        """Whether the result for ``key`` is already trained."""
        return key in self._results

    def draw(self, figure: Figure, **setting) -> None:
        """Draw the explorer's figure for one setting of its controls."""
        raise NotImplementedError

    def controls(self, **options) -> dict[str, object]:
        """The ipywidgets controls of the live explorer, keyed by the keyword of :meth:`draw`."""
        raise NotImplementedError

    def widget(self, **options):
        """The live explorer (needs a kernel): the figure redrawn on every slider move."""
        return live_explorer(self.draw, self.controls(**options), figsize=self.figsize)

    def twin(self, settings: Sequence[dict], labels: Sequence[str], description: str):
        """The static twin over ``settings`` (each a dict of :meth:`draw` keywords), for the website."""
        if not settings:
            raise ValueError("a static twin needs at least one setting to draw")
        return static_twin(lambda figure, setting: self.draw(figure, **setting), list(settings),
                           description=description, labels=labels, figsize=self.figsize)
