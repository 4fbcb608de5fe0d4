"""Generated scenes of flat shapes in front of a tilted background, with three tasks per image.

Each scene is a small colour image of one to a few shapes (discs, squares, triangles) standing at
their own depth in front of a striped background plane whose depth varies smoothly. Three tasks
are asked of every image: *segmentation* (which kind of shape, or background, each pixel shows),
*depth* (the distance of the surface seen at each pixel) and *count* (how many shapes there are).
Each kind of shape has its own range of colours (reddish discs, greenish squares, bluish
triangles, overlapping a little), as objects of one class tend to look alike. The image carries
the cues a viewer would use for depth: a farther shape is drawn smaller and darker (light fades
with distance), and a nearer shape hides the parts of farther ones behind it.
"""

from __future__ import annotations

import numpy as np

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data.base import CLASSIFICATION, REGRESSION, MultiTaskData, Split, spawn_generators

SCENE_CLASSES = ("background", "disc", "square", "triangle")  # the segmentation classes, in label order
SCENE_TASKS = {"segmentation": CLASSIFICATION, "depth": REGRESSION, "count": REGRESSION}
SHAPE_DEPTH = (1.0, 2.2)  # the depth range of the shapes ...
BACKGROUND_DEPTH = (2.4, 4.0)  # ... always in front of the background plane
SIZE_AT_DEPTH_ONE = 0.3  # a shape's radius, as a fraction of the image size, at depth 1
FADE = 0.35  # brightness falls as exp(-FADE * (depth - 1))
MIN_VISIBLE = 0.35  # every shape keeps at least this share of its pixels visible
MAX_PLACEMENTS = 200  # attempts to place a scene's shapes before giving up ...
REDRAW_EVERY = 25  # ... drawing new depths for the shapes every 25 attempts
KIND_COLOURS = np.array([[0.95, 0.4, 0.25], [0.35, 0.85, 0.35], [0.35, 0.45, 0.95]])  # red, green, blue-ish


def _fade(depth: np.ndarray) -> np.ndarray:
    """How much light reaches the camera from a surface at ``depth`` (1 at depth 1)."""
    return np.exp(-FADE * (depth - 1.0))


def _shape_masks(kinds: np.ndarray, cy: np.ndarray, cx: np.ndarray, radius: np.ndarray,
                 size: int) -> np.ndarray:
    """Boolean masks ``(n, slots, size, size)`` of the shapes (pixel centres inside the shape)."""
    grid = np.arange(size, dtype=np.float32)
    dy = grid[None, None, :, None] - cy[..., None, None]
    dx = grid[None, None, None, :] - cx[..., None, None]
    r = radius[..., None, None]
    disc = dy ** 2 + dx ** 2 <= r ** 2
    square = np.maximum(np.abs(dy), np.abs(dx)) <= 0.8 * r
    t = 1.25 * r  # the triangle's circumradius: its area is then close to the square's
    triangle = (dy <= 0.5 * t) & (np.sqrt(3.0) * np.abs(dx) <= dy + t)
    k = kinds[..., None, None]
    return np.where(k == 1, disc, np.where(k == 2, square, triangle))


def render_scenes(rng: np.random.Generator, n: int, size: int = 24, max_shapes: int = 4,
                  noise: float = 0.02) -> dict[str, np.ndarray]:
    """Draw ``n`` scenes; return the images ``(n, 3, size, size)`` and every task's targets.

    Targets: ``segmentation`` (n, size, size) class labels (0 = background, see ``SCENE_CLASSES``),
    ``depth`` (n, size, size) the depth of the visible surface, ``count`` (n,) the number of
    shapes. The shapes of a scene whose shapes hide too much of one another are placed again
    (and, after every 25 failed attempts, given new depths and so new sizes).
    """
    n = check_int("n", n, minimum=1)
    size = check_int("size", size, minimum=12)
    max_shapes = check_int("max_shapes", max_shapes, minimum=1, maximum=6)
    noise = check_float("noise", noise, minimum=0.0)
    slots = np.arange(max_shapes)
    count = rng.integers(1, max_shapes + 1, n)
    kinds = rng.integers(1, len(SCENE_CLASSES), (n, max_shapes))
    depth = rng.uniform(*SHAPE_DEPTH, (n, max_shapes)).astype(np.float32)
    active = slots[None] < count[:, None]  # (n, slots): the first `count` slots hold a shape
    radius = (size * SIZE_AT_DEPTH_ONE / depth * rng.uniform(0.85, 1.15, (n, max_shapes))).astype(np.float32)
    margin = np.minimum(radius, size / 4)
    owner = np.full((n, size, size), -1)
    todo = np.arange(n)  # scenes still to be placed: placed again until no shape is hidden too much
    for attempt in range(1, MAX_PLACEMENTS + 1):
        if not len(todo):
            break
        m = len(todo)
        if attempt % REDRAW_EVERY == 0:  # a crowded scene that will not fit: new depths, so new sizes
            depth[todo] = rng.uniform(*SHAPE_DEPTH, (m, max_shapes))
            radius[todo] = size * SIZE_AT_DEPTH_ONE / depth[todo] * rng.uniform(0.85, 1.15, (m, max_shapes))
            margin[todo] = np.minimum(radius[todo], size / 4)
        cy = margin[todo] + rng.uniform(0, 1, (m, max_shapes)) * (size - 1 - 2 * margin[todo])
        cx = margin[todo] + rng.uniform(0, 1, (m, max_shapes)) * (size - 1 - 2 * margin[todo])
        masks = _shape_masks(kinds[todo], cy, cx, radius[todo], size) & active[todo, :, None, None]
        order = np.argsort(-np.where(active[todo], depth[todo], -np.inf), axis=1)  # far to near
        drawn = np.full((m, size, size), -1)
        for step in range(max_shapes):  # paint far to near: a nearer shape covers a farther one
            slot = order[:, step]
            drawn = np.where(masks[np.arange(m), slot], slot[:, None, None], drawn)
        visible = (drawn[:, None] == slots[None, :, None, None]).sum(axis=(2, 3))
        share = visible / np.maximum(masks.sum(axis=(2, 3)), 1)
        owner[todo] = drawn
        todo = todo[np.any(active[todo] & (share < MIN_VISIBLE), axis=1)]
    if len(todo):
        raise ValueError(f"could not place {max_shapes} shapes in a {size} x {size} image so that each keeps "
                         f"{MIN_VISIBLE:.0%} of its pixels visible: use fewer shapes or a larger size")

    rows = np.arange(size, dtype=np.float32) / (size - 1) - 0.5
    low, high = BACKGROUND_DEPTH
    middle = rng.uniform(low + 0.4, high - 0.4, n)
    tilt = rng.uniform(-0.8, 0.8, (n, 2))  # depth change from edge to edge, down and across
    background = (middle[:, None, None] + tilt[:, 0, None, None] * rows[None, :, None]
                  + tilt[:, 1, None, None] * rows[None, None, :])
    background = np.clip(background, low, high)
    angle = rng.uniform(0, np.pi, n)
    period = rng.uniform(3.0, 6.0, n)
    along = (np.cos(angle)[:, None, None] * np.arange(size)[None, :, None]
             + np.sin(angle)[:, None, None] * np.arange(size)[None, None, :])
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 1))
    stripes = 0.5 + 0.5 * np.sin(2 * np.pi * along / period[:, None, None] + phase)
    tint = rng.uniform(0.5, 0.8, (n, 1)) + rng.uniform(-0.05, 0.05, (n, 3))  # a grey, slightly tinted
    image = (tint[:, :, None, None] * _fade(background)[:, None] * (0.8 + 0.2 * stripes)[:, None])

    hue = KIND_COLOURS[kinds - 1] + rng.uniform(-0.2, 0.2, (n, max_shapes, 3))  # each kind its own colours
    colour = hue * rng.uniform(0.6, 1.0, (n, max_shapes, 1)) * _fade(depth)[..., None]
    seen = owner >= 0
    slot = np.maximum(owner, 0)
    picked = np.take_along_axis(colour, slot.reshape(n, -1, 1), axis=1).reshape(n, size, size, 3)
    image = np.where(seen[:, None], picked.transpose(0, 3, 1, 2), image)
    image = image + noise * rng.standard_normal(image.shape)
    labels = np.where(seen, np.take_along_axis(kinds, slot.reshape(n, -1), axis=1).reshape(n, size, size), 0)
    surface = np.where(seen, np.take_along_axis(depth, slot.reshape(n, -1), axis=1).reshape(n, size, size),
                       background)
    return {
        "x": np.clip(image, 0.0, 1.0).astype(np.float32),
        "segmentation": labels.astype(np.int64),
        "depth": surface.astype(np.float32),
        "count": count.astype(np.float32),
    }


def shape_scenes(
    n_train: int = 300,
    n_val: int = 100,
    n_test: int = 200,
    size: int = 24,
    max_shapes: int = 4,
    noise: float = 0.02,
    tasks: tuple[str, ...] = ("segmentation", "depth", "count"),
    seed: int = 0,
) -> MultiTaskData:
    """Scenes of shapes for dense prediction: images ``(n, 3, size, size)``, one target per task.

    ``segmentation``: a class per pixel (``SCENE_CLASSES``); ``depth``: a depth per pixel (shapes
    between 1 and 2.2, the background plane between 2.4 and 4); ``count``: the number of shapes,
    1 to ``max_shapes``, as a regression target. Deterministic by ``seed``.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_val = check_int("n_val", n_val, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    check_int("seed", seed, minimum=0)
    if isinstance(tasks, str):
        tasks = (tasks,)
    tasks = tuple(tasks)
    unknown = [t for t in tasks if t not in SCENE_TASKS]
    if not tasks or unknown:
        raise ValueError(f"unknown scene task(s) {unknown or tasks!r}; choose from {sorted(SCENE_TASKS)}")
    if len(set(tasks)) != len(tasks):
        raise ValueError(f"tasks must not repeat; got {tasks!r}")
    generators = spawn_generators(seed, 3)
    splits = []
    for rng, n in zip(generators, (n_train, n_val, n_test), strict=True):
        drawn = render_scenes(rng, n, size, max_shapes, noise)
        splits.append(Split(drawn["x"], {t: drawn[t] for t in tasks}))
    return MultiTaskData(
        *splits,
        kinds={t: SCENE_TASKS[t] for t in tasks},
        n_classes={"segmentation": len(SCENE_CLASSES)} if "segmentation" in tasks else {},
        info={"generator": "shape_scenes", "seed": seed, "classes": SCENE_CLASSES, "size": size,
              "max_shapes": max_shapes, "shape_depth": SHAPE_DEPTH, "background_depth": BACKGROUND_DEPTH},
    )
