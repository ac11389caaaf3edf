"""Put a text box or legend where nothing is drawn: the candidate positions are tried in order
and the first whose box (in display coordinates, with a margin) crosses no plotted line, band,
marker or already placed box wins."""

from __future__ import annotations

import numpy as np
from matplotlib.transforms import Bbox

PAD = 4.0  # pixels of free margin around a placed box
# (x, y, corner) in axes fractions: corners first, then a grid down both sides and the middle
CORNERS = [
    (0.98, 0.98, "upper right"),
    (0.02, 0.02, "lower left"),
    (0.98, 0.02, "lower right"),
    (0.02, 0.98, "upper left"),
]
GRID = [
    (x, float(y), f"{'lower' if y < 0.5 else 'upper'} {side}")
    for y in np.linspace(0.1, 0.9, 9)
    for x, side in ((0.98, "right"), (0.02, "left"), (0.5, "center"))
]
CANDIDATES = CORNERS + GRID


def obstacles(ax, renderer) -> list:
    """(path in display coordinates, filled) of every line, marker set and band of ``ax``."""
    out = []
    for line in ax.get_lines():
        path = line.get_transform().transform_path(line.get_path())
        if line.get_linestyle() not in ("None", "", " "):
            out.append((path, False))
        if line.get_marker() not in ("None", "", None, " "):
            half = line.get_markersize() * renderer.points_to_pixels(1.0) / 2
            for x, y in path.vertices:
                out.append((Bbox.from_extents(x - half, y - half, x + half, y + half), True))
    for coll in ax.collections:
        for path in coll.get_paths():
            out.append((coll.get_transform().transform_path(path), True))
    return out


def _hits(box: Bbox, obstacle) -> bool:
    shape, filled = obstacle
    if isinstance(shape, Bbox):
        return box.overlaps(shape)
    return shape.intersects_bbox(box, filled=filled)


def is_free(box: Bbox, ax, renderer, taken=()) -> bool:
    """Whether ``box`` lies inside the axes and crosses no obstacle nor a ``taken`` box."""
    inner = ax.get_window_extent(renderer)
    if not (
        inner.x0 <= box.x0 and box.x1 <= inner.x1 and inner.y0 <= box.y0 and box.y1 <= inner.y1
    ):
        return False
    return not any(_hits(box, o) for o in obstacles(ax, renderer)) and not any(
        box.overlaps(t) for t in taken
    )


def _move(artist, ax, x, y, corner) -> None:
    if hasattr(artist, "set_loc"):  # a legend
        artist.set_loc(corner)
        artist.set_bbox_to_anchor((x, y), transform=ax.transAxes)
    else:
        va, ha = corner.split()
        artist.set_position((x, y))
        artist.set_ha(ha)
        artist.set_va({"lower": "bottom", "upper": "top"}[va])


def place(artist, ax, taken=()) -> Bbox | None:
    """Move ``artist`` (a legend or an axes-fraction text) to the first free candidate and
    return its box, or None (left at the last candidate) when no candidate is free."""
    renderer = ax.figure.canvas.get_renderer()
    for x, y, corner in CANDIDATES:
        _move(artist, ax, x, y, corner)
        box = artist.get_window_extent(renderer).padded(PAD)
        if is_free(box, ax, renderer, taken):
            return box
    return None
