"""CONSORT-style flow diagram of the pooled attrition (matplotlib; imported by its job only)."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from spinepair.cohort.attrition import QUARANTINE_STEP, arm_flow

METADATA = {"svg": {"Date": None, "Creator": None}, "png": {"Software": None}}


def _box(ax, x, y, text, fc="white"):
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=8,
        wrap=True,
        bbox={"boxstyle": "round,pad=0.4", "fc": fc, "ec": "black", "lw": 0.8},
    )


def flow_diagram(attrition, arms: list[str], path_svg, path_png) -> None:
    """Two columns (index and comparator arm): screened, exclusions per step, matched."""
    flows = {arm: arm_flow(attrition, arm) for arm in arms}
    # a quarantine step (first) takes two rows: the exports box, then the screened box
    extra = {a: int(bool(f) and f[0]["step"] == QUARANTINE_STEP) for a, f in flows.items()}
    n_steps = max(len(f) + extra[a] for a, f in flows.items())
    with matplotlib.rc_context({"svg.hashsalt": "spinepair", "svg.fonttype": "path"}):
        fig = Figure(figsize=(8.5, 0.4 + 1.25 * n_steps))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 1)
        ax.set_ylim(0.5, n_steps + 0.5)
        ax.axis("off")
        for col, arm in enumerate(arms):
            x = 0.25 + 0.5 * col
            steps = flows[arm]
            for i, step in enumerate(steps):
                y = n_steps - i - (extra[arm] if i else 0)
                quarantine = step["step"] == QUARANTINE_STEP
                if i == 0:
                    sites = ", ".join(f"site {s}: {n}" for s, n in step.get("by_site", {}).items())
                    top = "in the exports" if quarantine else "screened"
                    _box(
                        ax,
                        x,
                        y,
                        f"{arm} arm: {top}\nn = {step['n_before']}\n({sites})",
                        fc="#eef3fb",
                    )
                    if not quarantine:
                        continue
                    y -= 1
                prev_y = y + 1
                ax.annotate(
                    "", (x, y + 0.2), (x, prev_y - 0.28), arrowprops={"arrowstyle": "->", "lw": 0.8}
                )
                what = {"matched 1:1": "not matched", QUARANTINE_STEP: "quarantined"}.get(
                    step["step"], "excluded"
                )
                why = "invalid rows, at ingest" if quarantine else textwrap.fill(step["step"], 26)
                ax.text(
                    x + 0.02,
                    y + 0.46,
                    f"{what}: {step['n_excluded']}\n{why}",
                    fontsize=7,
                    va="center",
                    ha="left",
                    color="0.25",
                )
                label = "matched" if step["step"] == "matched 1:1" else "remaining"
                label = "screened" if quarantine else label
                _box(
                    ax,
                    x,
                    y,
                    f"{label}: n = {step['n_after']}",
                    fc="#e8f5e9" if label == "matched" else "white",
                )
        fig.savefig(path_svg, format="svg", metadata=METADATA["svg"])
        fig.savefig(path_png, format="png", dpi=200, metadata=METADATA["png"])
