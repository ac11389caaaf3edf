"""figures job: the Kaplan-Meier figure of every endpoint from the pair frame (the pairs of its
analysis set, its one definition), with the analysis set and n, the stratified log-rank p and
the hazard ratio (95% CI, Wald p) of the ARD rows of those pairs, and the cumulative incidence
figure of every endpoint with a competing event from the ARD (rows cif, gray_p, fg_shr)."""

from pathlib import Path

import pandas as pd

from spinepair.analysis.ard import select
from spinepair.analysis.endpoint_definitions import endpoints
from spinepair.analysis.settings import arms_of
from spinepair.analysis.survival_summary import km_groups
from spinepair.contracts.parquetfile import read_parquet
from spinepair.escape import unmarked
from spinepair.jobs.jobio import atomic_path, log, run
from spinepair.report.kmplot import cif_curves, cif_figure, km_figure

sm = snakemake  # noqa: F821 (injected by Snakemake)
params = unmarked(sm.params)  # config text the rule made script-safe
ARMS = arms_of(params.study)


def work():
    ard = read_parquet(sm.input.ard)
    pairs_frame = read_parquet(sm.input.pairs_frame)
    declared = endpoints(dict(params.endpoints))
    for endpoint, title in params.titles.items():
        draw_km(ard, pairs_frame, declared[endpoint], title)
        log.info("Kaplan-Meier figure of %s drawn", endpoint)
    for key in params.competing:
        draw_cif(ard, key, params.titles.get(key, key))
        log.info("cumulative incidence figure of %s drawn", key)


def svg_of(png: str) -> str:
    return next(p for p in sm.output.svg if Path(p).stem == Path(png).stem)


def set_text(rows: pd.DataFrame) -> str:
    """'<analysis set>, n = <pairs> pairs' of an endpoint's ARD rows (arm all)."""
    pairs = rows[rows["statistic"] == "pairs"].iloc[0]
    return f"{pairs['analysis_set']}, n = {int(pairs['value'])} pairs"


def ratio(rows: pd.DataFrame, statistic: str):
    """(value, lower, upper) and p of one ratio row, or (None, None)."""
    hit = rows[rows["statistic"] == statistic]
    if hit.empty:
        return None, None
    return tuple(hit[["value", "lower", "upper"]].iloc[0]), float(hit["p"].iloc[0])


def draw_km(ard: pd.DataFrame, pairs_frame: pd.DataFrame, ep, title: str) -> None:
    options = dict(params.figures)
    options.pop("labels", None)  # Love plot labels
    groups = km_groups(pairs_frame, ep, ARMS, dict(params.analysis_sets))
    rows = select(ard, "survival", ep.key, arm="all")
    p = rows.loc[rows["statistic"] == "logrank_p", "value"]
    hr, hr_p = ratio(rows, "cox_hr")
    png_path = sm.output[f"km_{ep.key}"]
    with atomic_path(Path(png_path)) as png, atomic_path(svg_of(png_path)) as svg:
        km_figure(
            groups, png, svg,
            ylabel=f"{title} probability",
            pvalue=float(p.iloc[0]) if len(p) else None,
            hr=hr,
            hr_p=hr_p,
            analysis_set=set_text(rows),
            conf_type=params.conf_type,
            ci=options.pop("ci", False),
            horizon=options.pop("horizon_months", None),
            risk_fraction=options.pop("risk_fraction", 0.1),
            **options,
        )  # fmt: skip


def draw_cif(ard: pd.DataFrame, key: str, title: str) -> None:
    rows = select(ard, "competing", key)
    every = rows[rows["arm"] == "all"]
    gray = every.loc[every["statistic"] == "gray_p", "value"]
    shr, shr_p = ratio(every, "fg_shr")
    figures = params.figures
    options = {k: v for k, v in figures.items() if k in ("width", "dpi", "xlabel")}
    png_path = sm.output[f"cif_{key}"]
    with atomic_path(Path(png_path)) as png, atomic_path(svg_of(png_path)) as svg:
        cif_figure(
            cif_curves(rows, ARMS), png, svg,
            ylabel=f"Cumulative incidence, {title.lower()}",
            pvalue=float(gray.iloc[0]) if len(gray) else None,
            shr=shr,
            shr_p=shr_p,
            contrast=f"{ARMS[0]} vs {ARMS[1]}",
            analysis_set=set_text(every),
            ci=figures.get("ci", False),
            **options,
        )  # fmt: skip


run(work, sm.log[0], "figures")
