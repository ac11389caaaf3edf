"""STROBE-style flow diagram of a matched study (matplotlib; imported by its job only).

Draws a :class:`spinepair.cohort.flow.Flow`: per arm the screened patients with per-site
counts, exclusion boxes at the outer side (one line per reason, worded as an exclusion, with
per-site counts), the eligible and matched patients; the arms join into "N matched pairs";
then one analysed box per arm. Coordinates are inches, so box sizes follow the text.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from spinepair.cohort.flow import ArmFlow, Exclusion, Flow
from spinepair.escape import figure_rc

METADATA = {"svg": {"Date": None, "Creator": None}, "png": {"Software": None}}
WIDTH = 11.0
MAIN_W, SIDE_W, JOIN_W, ANALYSED_W = 2.3, 2.7, 3.0, 2.55
JOIN_FC = "#e8f5e9"
MAIN_X = (4.15, 6.85)  # centres of the two arms' main column
SIDE_X = (1.45, 9.55)  # exclusion boxes at the outer sides
LINE, PAD, GAP = 0.16, 0.22, 0.32  # inches per text line, box padding, gap between rows
FONT = 7.5


def _sites(counts: dict[str, int]) -> str:
    return " · ".join(f"{site} {n}" for site, n in counts.items())


def _exclusion_lines(title: str, reasons: list[Exclusion], width: int) -> list[str]:
    total = sum(r.n for r in reasons)
    lines = [f"{title} (n = {total})"]
    for r in reasons:
        text = f"• {r.wording}: {r.n}" + (f" (sites {_sites(r.by_site)})" if r.by_site else "")
        lines += textwrap.wrap(text, width, subsequent_indent="   ")
    return lines


SLOTS = ("screened", "quarantined", "excluded", "eligible", "not_matched", "matched")


def _arm_slots(arm: ArmFlow) -> dict[str, list[str]]:
    """The text of each of an arm's boxes, by slot (side boxes only where someone is excluded)."""
    side_chars = int(SIDE_W / 0.062)
    slots = {
        "screened": [
            f"{arm.arm} arm",
            f"{arm.top_label}: n = {arm.screened}",
            f"(sites {_sites(arm.screened_by_site)})",
        ],
        "eligible": [f"Eligible: n = {arm.eligible}"],
        "matched": [f"Matched: n = {arm.matched}"],
    }
    if arm.quarantined or arm.quarantined_records:
        lines = _exclusion_lines(
            "Quarantined at ingest", [arm.quarantined] if arm.quarantined else [], side_chars
        )
        if arm.quarantined_records:
            lines += ["Child records set aside:"] + [
                line
                for r in arm.quarantined_records
                for line in textwrap.wrap(
                    f"• {r.wording}: {r.n} (sites {_sites(r.by_site)})",
                    side_chars,
                    subsequent_indent="   ",
                )
            ]
        slots["quarantined"] = lines
    if arm.exclusions:
        slots["excluded"] = _exclusion_lines("Excluded", arm.exclusions, side_chars)
    if arm.not_matched:
        slots["not_matched"] = _exclusion_lines("Not matched", [arm.not_matched], side_chars)
    return slots


def _height(lines: list[str]) -> float:
    return len(lines) * LINE + PAD


def _box(ax, x: float, y_top: float, w: float, lines: list[str], fc: str, align="center"):
    h = _height(lines)
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y_top - h),
            w,
            h,
            boxstyle="round,pad=0,rounding_size=0.06",
            fc=fc,
            ec="black",
            lw=0.8,
        )
    )
    tx = x if align == "center" else x - w / 2 + 0.1
    ax.text(
        tx, y_top - h / 2, "\n".join(lines), ha=align, va="center", fontsize=FONT, linespacing=1.25
    )
    return y_top - h


def _arrow(ax, start, end):
    ax.annotate("", end, start, arrowprops={"arrowstyle": "->", "lw": 0.8})


def flow_diagram(flow: Flow, path_svg, path_png) -> None:
    """Draw the flow to SVG and PNG (deterministic bytes); both arms' boxes share rows."""
    if len(flow.arms) != 2:
        raise ValueError("the flow diagram draws two arms")
    arms = [_arm_slots(a) for a in flow.arms]
    rows = [
        (slot, max(_height(a[slot]) for a in arms if slot in a))
        for slot in SLOTS
        if any(slot in a for a in arms)
    ]
    width = int(ANALYSED_W / 0.062)
    analysed = [
        [
            "Analysed",
            *(
                line
                for label, counts in flow.analysed
                for line in textwrap.wrap(
                    f"• {label}: {counts.get(arm.arm, 0)}", width, subsequent_indent="   "
                )
            ),
        ]
        for arm in flow.arms
    ]
    analysed_h = max(map(_height, analysed)) + GAP if flow.analysed else 0
    height = 0.6 + sum(h + GAP for _, h in rows) + _height(["x"]) + analysed_h
    with matplotlib.rc_context(figure_rc("path")):
        fig = Figure(figsize=(WIDTH, height))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, WIDTH)
        ax.set_ylim(0, height)
        ax.axis("off")
        y = height - 0.3
        bottoms = [None, None]
        for slot, h in rows:
            for col, slots in enumerate(arms):
                if slot in slots:
                    bottoms[col] = _slot_box(ax, col, slot, slots[slot], y, h, bottoms[col])
            y -= h + GAP
        for col, bottom in enumerate(bottoms):
            _arrow(ax, (MAIN_X[col], bottom), (MAIN_X[col], y))
        join_bottom = _box(ax, sum(MAIN_X) / 2, y, JOIN_W, [f"{flow.pairs} matched pairs"], JOIN_FC)
        if flow.analysed:
            for col, lines in enumerate(analysed):
                top = join_bottom - GAP
                _arrow(ax, (MAIN_X[col], join_bottom), (MAIN_X[col], top))
                _box(ax, MAIN_X[col], top, ANALYSED_W, lines, "white", align="left")
        fig.savefig(path_svg, format="svg", metadata=METADATA["svg"])
        fig.savefig(path_png, format="png", dpi=200, metadata=METADATA["png"])


def _slot_box(ax, col: int, slot: str, lines, y: float, row_h: float, last_bottom):
    """Draw one box of an arm in its row; returns the bottom of the arm's last main box."""
    x, side_x = MAIN_X[col], SIDE_X[col]
    if slot in ("screened", "eligible", "matched"):
        top = y - (row_h - _height(lines)) / 2
        if last_bottom is not None:
            _arrow(ax, (x, last_bottom), (x, top))
        return _box(ax, x, top, MAIN_W, lines, "#eef3fb" if slot == "screened" else "white")
    top = y - (row_h - _height(lines)) / 2
    bottom = _box(ax, side_x, top, SIDE_W, lines, "#fafafa", align="left")
    mid = (top + bottom) / 2
    edge = side_x + (SIDE_W / 2 if side_x < x else -SIDE_W / 2)
    _arrow(ax, (x, mid), (edge, mid))
    return last_bottom
