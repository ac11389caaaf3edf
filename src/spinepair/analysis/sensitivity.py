"""Sensitivity analyses: the whole study (derive, select, match, analyse) rerun under a
named variant of the study config.

A variant (config ``sensitivity.variants.<name>``) has a ``description`` and ``overrides``,
deep-merged into the study config by :func:`deep_merge` (mappings merged key by key, lists
and scalars replaced whole, null removes a key). :func:`run_variant` runs the pure library
stages in-process on the derived rows of each site in turn (:func:`derive_sites` of the
ingested tables, or the derive jobs' rows when the variant keeps the primary endpoints), keeping
only the eligible patients' rows, and returns the
variant's ARD (``variant`` = its name), its pairs, and :func:`category_changes`: how many
matched patients a variant moves to another category of a declared derived column (e.g. pain
response) compared with the primary analysis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

from spinepair.analysis.analyse import analyse
from spinepair.analysis.ard import CHANGES_TABLE, ArdRows, to_frame
from spinepair.analysis.settings import analysis_settings, balance_settings, table_settings
from spinepair.cohort.eligibility import select
from spinepair.endpoints.derive import derive_site
from spinepair.matching.study import run_match


@dataclass
class StudySettings:
    """The config sections a variant's study run depends on (as the primary jobs get them)."""

    endpoints: dict
    eligibility: list
    matching: dict
    arms: tuple[str, str]
    tables: dict
    analysis: dict
    balance: dict

    @classmethod
    def of(cls, config: dict) -> StudySettings:
        """The settings of a (merged) study config, as the primary jobs get them."""
        study = config["study"]
        return cls(
            endpoints=config["endpoints"],
            eligibility=config["eligibility"],
            matching=config["matching"],
            arms=(str(study["index_arm"]), str(study["comparator_arm"])),
            tables=table_settings(config),
            analysis=analysis_settings(config),
            balance=balance_settings(config),
        )


@dataclass
class VariantResult:
    """What a sensitivity job writes: the variant's ARD and its matched pairs."""

    ard: pd.DataFrame
    pairs: pd.DataFrame


def derive_sites(
    site_tables: Iterable[dict[str, pd.DataFrame]], endpoints: dict
) -> Iterator[pd.DataFrame]:
    """The derived rows of each site in turn (the derive stage per site)."""
    for tables in site_tables:
        yield derive_site(tables, dict(endpoints))


def eligible_rows(site_derived: Iterable[pd.DataFrame], eligibility) -> tuple:
    """(derived rows, cohort rows) of the eligible patients of every site, taking the sites
    one at a time: memory follows the eligible patients, not the sites."""
    rows, cohorts = [], []
    for derived in site_derived:
        cohort = select(derived, list(eligibility))[0]
        cohort = cohort[cohort["eligible"].fillna(False).astype(bool)]
        rows.append(derived[derived["patient_key"].isin(cohort["patient_key"])])
        cohorts.append(cohort)
    return pd.concat(rows, ignore_index=True), pd.concat(cohorts, ignore_index=True)


def run_study(site_derived: Iterable[pd.DataFrame], settings: StudySettings):
    """(derived rows of the eligible patients, matched pairs, analysis) of ``settings``:
    select per site, match pooled, analyse the pairs: the library calls of the primary jobs
    after derive (matching and analysis read only eligible patients' rows)."""
    derived, cohort = eligible_rows(site_derived, settings.eligibility)
    stage = run_match(derived, cohort, dict(settings.matching), *settings.arms, settings.balance)
    params = {**settings.analysis, "balance": stage.balance}
    result = analyse(derived, stage.pairs, settings.arms, settings.tables, params)
    return derived, stage.pairs, result


def run_variant(
    name: str,
    site_derived: Iterable[pd.DataFrame],
    settings: StudySettings,
    primary_rows: Callable[[pd.DataFrame], pd.DataFrame],
    compare: list[str],
) -> VariantResult:
    """The variant ``name`` of the study: its ARD (analysis rows and the category changes of
    the ``compare`` columns vs the primary analysis' derived rows of its paired patients,
    ``primary_rows(pairs)``, all with ``variant`` = ``name``) and pairs."""
    derived, pairs, result = run_study(site_derived, settings)
    changes = category_changes(primary_rows(pairs), derived, pairs, compare, settings.arms)
    ard = pd.concat([result.ard, to_frame([changes])], ignore_index=True)
    return VariantResult(ard.assign(variant=name), pairs)


def category_changes(
    primary: pd.DataFrame, variant: pd.DataFrame, pairs: pd.DataFrame, columns, arms
) -> ArdRows:
    """ARD rows (table ``sensitivity``, row = column) counting the variant's matched patients
    whose value of each column differs from the primary analysis: ``patients_changed`` per arm
    and for ``all`` (n = patients compared), and ``patients_moved`` per arm and
    ``level`` "<primary> -> <variant>" (missing shown as "missing")."""
    out = ArdRows(CHANGES_TABLE)
    keys = pd.concat([pairs["index_key"], pairs["comparator_key"]]).astype(str)
    for col in columns:
        both = (
            variant[["patient_key", "arm", col]]
            .merge(primary[["patient_key", col]], on="patient_key", suffixes=("", "_primary"))
            .loc[lambda d: d["patient_key"].astype(str).isin(keys)]
        )
        was = both[f"{col}_primary"].astype("string").fillna("missing")
        now = both[col].astype("string").fillna("missing")
        moved = both.assign(was=was, now=now)[was != now]
        for arm in (*arms, "all"):
            in_arm = both if arm == "all" else both[both["arm"] == arm]
            hit = moved if arm == "all" else moved[moved["arm"] == arm]
            out.add(col, col, "patients_changed", len(hit), arm=arm, n=len(in_arm))
            if arm == "all":
                continue
            for (w, v), group in hit.groupby(["was", "now"], sort=True):
                out.add(col, col, "patients_moved", len(group), level=f"{w} -> {v}", arm=arm)
    return out
