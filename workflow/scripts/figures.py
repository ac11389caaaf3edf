"""figures job: the Kaplan-Meier figure of every endpoint from the pair frame, with the
stratified log-rank p and the hazard ratio (95% CI) of the ARD, and the cumulative incidence
figure of every competing-risk endpoint from the ARD (rows cif, gray_p)."""

from pathlib import Path

import pandas as pd

from spinepair.analysis.ard import select
from spinepair.analysis.settings import arms_of
from spinepair.analysis.survival_summary import km_groups
from spinepair.contracts.parquetfile import read_parquet
from spinepair.escape import unmarked
from spinepair.jobs.jobio import atomic_path, log, run
from spinepair.report.kmplot import cif_curves, cif_figure, km_figure

sm = snakemake  # noqa: F821 (injected by Snakemake)
params = unmarked(sm.params)  # config text the rule made script-safe


def work():
    ard = read_parquet(sm.input.ard)
    pairs_frame = read_parquet(sm.input.pairs_frame)
    for endpoint, title in params.titles.items():
        draw_km(ard, pairs_frame, endpoint, title)
        log.info("Kaplan-Meier figure of %s drawn", endpoint)
    for key in params.competing:
        draw_cif(ard, key, params.titles.get(key, key))
        log.info("cumulative incidence figure of %s drawn", key)


def svg_of(png: str) -> str:
    return next(p for p in sm.output.svg if Path(p).stem == Path(png).stem)


def draw_km(ard: pd.DataFrame, pairs_frame: pd.DataFrame, endpoint: str, title: str) -> None:
    options = dict(params.figures)
    options.pop("labels", None)  # Love plot labels
    groups = km_groups(pairs_frame, endpoint, arms_of(params.study))
    rows = select(ard, "survival", endpoint, arm="all")
    p = rows.loc[rows["statistic"] == "logrank_p", "value"]
    hr = rows.loc[rows["statistic"] == "cox_hr", ["value", "lower", "upper"]]
    png_path = sm.output[f"km_{endpoint}"]
    with atomic_path(Path(png_path)) as png, atomic_path(svg_of(png_path)) as svg:
        km_figure(
            groups, png, svg,
            ylabel=f"{title} probability",
            pvalue=float(p.iloc[0]) if len(p) else None,
            hr=tuple(hr.iloc[0]) if len(hr) else None,
            conf_type=params.conf_type,
            ci=options.pop("ci", False),
            horizon=options.pop("horizon_months", None),
            risk_fraction=options.pop("risk_fraction", 0.1),
            **options,
        )  # fmt: skip


def draw_cif(ard: pd.DataFrame, key: str, title: str) -> None:
    rows = select(ard, "competing", key)
    gray = rows.loc[(rows["statistic"] == "gray_p") & (rows["arm"] == "all"), "value"]
    figures = params.figures
    options = {k: v for k, v in figures.items() if k in ("width", "dpi", "xlabel")}
    png_path = sm.output[f"cif_{key}"]
    with atomic_path(Path(png_path)) as png, atomic_path(svg_of(png_path)) as svg:
        cif_figure(
            cif_curves(rows, arms_of(params.study)), png, svg,
            ylabel=f"Cumulative incidence, {title.lower()}",
            pvalue=float(gray.iloc[0]) if len(gray) else None,
            ci=figures.get("ci", False),
            **options,
        )  # fmt: skip


run(work, sm.log[0], "figures")
