import ipywidgets as widgets
import pytest

from mtl_lessons.explorers import grid, live_explorer, static_twin


def draw_line(figure, slope):
    axis = figure.subplots()
    axis.plot([0, 1], [0, slope])


def test_static_twin_is_a_slider_linked_to_one_image_per_setting():
    twin = static_twin(draw_line, [0, 1, 2], "slope", labels=["flat", "up", "steep"])
    slider, stack = twin.children
    assert isinstance(stack, widgets.Stack) and len(stack.children) == 3
    assert all(isinstance(c, widgets.Image) and bytes(c.value).startswith(b"\x89PNG") for c in stack.children)
    assert slider.options == ("flat", "up", "steep")
    assert stack.children[0].value != stack.children[2].value


def test_static_twin_checks_its_arguments():
    with pytest.raises(ValueError, match="at least one setting"):
        static_twin(draw_line, [], "slope")
    with pytest.raises(ValueError, match="got 1 labels for 2 values"):
        static_twin(draw_line, [0, 1], "slope", labels=["a"])


def test_live_explorer_redraws_on_change_and_survives_bad_settings():
    def draw(figure, slope):
        if slope > 5:
            raise ValueError("slope too steep to draw")
        draw_line(figure, slope)

    slider = widgets.FloatSlider(value=1.0, min=0, max=10)
    explorer = live_explorer(draw, {"slope": slider})
    assert len(explorer.update_seconds) == 1
    slider.value = 2.0
    slider.value = 9.0  # draw raises: the explorer shows the message instead of crashing
    assert len(explorer.update_seconds) == 3
    with pytest.raises(ValueError, match="at least one control"):
        live_explorer(draw, {})


def test_grid():
    assert grid(0, 1, 3) == [0.0, 0.5, 1.0]
    with pytest.raises(ValueError, match="count must be >= 2"):
        grid(0, 1, 1)
