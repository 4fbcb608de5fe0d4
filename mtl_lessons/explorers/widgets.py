"""Explorers: live ipywidgets in a kernel, and their static twins for the website.

A live explorer recomputes on every slider move. Its static twin precomputes the same figure over
a grid of settings and shows them with a slider that runs in the browser alone (``jslink``), so a
reader of the website can move through the settings without a kernel.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from mtl_lessons._checks import check_int
from mtl_lessons.plots import BOOK_STYLE


def _png(figure: Figure, tight: bool = True) -> bytes:
    """The figure as PNG bytes at the book's 100 dots per inch (with ``BOOK_STYLE``'s fonts of at
    least 10 points, letters stay readable at two thirds of the size). ``tight`` trims the margins,
    at the price of drawing it twice."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=BOOK_STYLE["figure.dpi"], bbox_inches="tight" if tight else None)
    plt.close(figure)
    return buffer.getvalue()


def static_twin(
    draw: Callable[[Figure, object], None],
    values: Sequence[object],
    description: str,
    labels: Sequence[str] | None = None,
    figsize: tuple[float, float] = (8.0, 3.5),
):
    """A kernel-free viewer of ``draw(figure, value)`` for each value of ``values``.

    Returns an ipywidgets box (a selection slider linked in the browser to a stack of images)
    that keeps working on the static website; with ipywidgets 7, which has no ``Stack``, it
    falls back to a matplotlib animation rendered as HTML.
    """
    import ipywidgets as widgets

    values = list(values)
    if not values:
        raise ValueError("values must hold at least one setting to draw")
    labels = [str(v) for v in values] if labels is None else [str(s) for s in labels]
    if len(labels) != len(values):
        raise ValueError(f"got {len(labels)} labels for {len(values)} values; give one per value")
    images = []
    for value in values:
        with plt.rc_context(BOOK_STYLE):  # the book's fonts, whatever style the notebook uses
            figure = plt.figure(figsize=figsize)
            draw(figure, value)
            images.append(_png(figure))

    if not hasattr(widgets, "Stack"):  # ipywidgets 7 (Colab): no Stack, use an animation
        return _animation_twin(images)
    pictures = [widgets.Image(value=png, format="png", layout=widgets.Layout(width="auto"))
                for png in images]
    stack = widgets.Stack(pictures, selected_index=0)
    slider = widgets.SelectionSlider(
        options=labels, value=labels[0], description=description, continuous_update=True,
        style={"description_width": "initial"}, layout=widgets.Layout(width="60%"),
    )
    widgets.jslink((slider, "index"), (stack, "selected_index"))
    return widgets.VBox([slider, stack])


def _animation_twin(images: list[bytes]):
    """Fallback twin: the frames as a matplotlib animation with its own HTML controls."""
    from IPython.display import HTML
    from matplotlib import animation

    height, width = plt.imread(io.BytesIO(images[0]), format="png").shape[:2]
    dpi = BOOK_STYLE["figure.dpi"]
    figure, axis = plt.subplots(figsize=(width / dpi, height / dpi), dpi=dpi)  # each frame at its size
    figure.subplots_adjust(0, 0, 1, 1)
    axis.axis("off")
    frames = [plt.imread(io.BytesIO(png), format="png") for png in images]
    shown = axis.imshow(frames[0])

    def update(index: int):
        shown.set_data(frames[index])
        return (shown,)

    movie = animation.FuncAnimation(figure, update, frames=len(frames))
    html = movie.to_jshtml(default_mode="once")
    plt.close(figure)
    return HTML(html)


def live_explorer(
    draw: Callable[..., None],
    controls: dict[str, object],
    figsize: tuple[float, float] = (8.0, 3.5),
):
    """An explorer that calls ``draw(figure, **values)`` whenever a control changes.

    ``controls`` maps each keyword of ``draw`` to an ipywidgets control. The figure is rendered
    to a PNG shown in an image widget (no captured output area, which keeps headless notebook
    runners out of trouble); a setting that ``draw`` rejects with ``ValueError`` is shown as a
    message instead of crashing. The returned box keeps its controls in ``.controls`` and the seconds
    each update took in ``.update_seconds``.
    """
    import ipywidgets as widgets

    if not controls:
        raise ValueError("controls must name at least one control")
    picture = widgets.Image(format="png", layout=widgets.Layout(width="auto"))
    box = widgets.VBox([widgets.HBox(list(controls.values())), picture])
    box.controls = dict(controls)
    box.update_seconds = []

    def refresh(_change=None) -> None:
        start = time.perf_counter()
        values = {name: control.value for name, control in controls.items()}
        with plt.rc_context(BOOK_STYLE):  # the book's fonts, whatever style the notebook uses
            figure = plt.figure(figsize=figsize)
            try:
                draw(figure, **values)
            except ValueError as error:  # an impossible setting: say so instead of crashing
                figure.clf()
                figure.text(0.5, 0.5, f"Cannot draw this setting:\n{error}", ha="center", va="center",
                            wrap=True)
            picture.value = _png(figure, tight=False)  # a slider must answer fast: one drawing, not two
        box.update_seconds.append(time.perf_counter() - start)

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    return box


def grid(start: float, stop: float, count: int) -> list[float]:
    """``count`` evenly spaced settings from ``start`` to ``stop``, rounded for display."""
    count = check_int("count", count, minimum=2)
    step = (stop - start) / (count - 1)
    return [round(start + i * step, 6) for i in range(count)]
