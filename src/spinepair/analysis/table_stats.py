"""The statistics behind each declared table row, as ARD rows (see :mod:`spinepair.analysis.ard`).

A table is declared in the study config (``tables.<name>.rows``); each row has a ``kind``:

- ``continuous``: mean and SD per arm (and median, quartiles with ``summary: median_iqr``),
  SMD; optional ``among`` (a flag column: only patients with it true), test ``paired_t``,
  ``wilcoxon`` (paired; the only test of a ``median_iqr`` row) or ``welch_t`` (unpaired);
  ``arms``: the arms the variable is defined in (e.g. a margin dose), described there only
  and never tested across arms
- ``categorical``: n per level per arm (denominator = patients with a value), SMD per level;
  test ``bowker`` (over the shown levels but ``untested`` ones), ``mcnemar`` (``test_level``
  vs the rest, written at that level) or ``wilcoxon`` (on ``test_variable``: no estimate when
  that is another column than the categories shown); ``show`` = levels always shown. With
  ``estimate_levels`` a Bowker row also has the collapse (those levels vs the rest) as its own
  McNemar test at level ``a+b`` with its risk difference: a p is always its estimate's test
- ``counts``: n per level per arm, no percentage, no test
- ``schedule``: patients per dose schedule ("24 Gy / 1 fx") of the dose ``variable`` and the
  ``fractions`` column, n (%) per arm, no test
- ``binary``: patients with the flag ``variable`` true per arm, SMD; optional ``mcnemar``
- ``flags``: one ``binary`` row per level of ``vocabulary`` (column ``variable`` with
  ``{level}`` filled in), shown when in ``show`` or true for someone
- ``ratio``: n per level (``levels``) per arm, printed ``a : b``; SMD of the first level
- ``within_arm``: test of ``before`` vs ``variable`` inside each arm

Every test has its effect estimate with CI and companions beside it
(:mod:`spinepair.analysis.estimates`); a p that cannot be computed (R: NA) is NaN with the
reason as its method. A table with ``tests: false`` writes no tests (SMDs only). SMDs are written only for rows that declare ``smd:
true`` or whose table does (baseline characteristics; not outcomes or treatment variables).
A row with ``flow: <label>`` adds the patients per arm its paired test analysed to table
``flow`` (statistic ``n_analysed``).

Levels are ordered as the column's vocabulary (:mod:`spinepair.analysis.levels`); a value seen
in the data but in no vocabulary is shown after them, never dropped. Paired tests use complete
pairs; the pairs left out are counted (statistic ``pairs_excluded``) for the footnotes.

The multiplicity-adjusted p of a declared family is written over all tables' rows by
:mod:`spinepair.analysis.multiplicity`. The module stays one (over 400 lines) because every row
kind writes through the one :class:`TableStats` (its counts, tests, companions and the balance
lookup); split by kind, each part would take that state back as arguments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair import stats
from spinepair.analysis import levels as vocab
from spinepair.analysis.ard import NA, ArdRows
from spinepair.analysis.estimates import Companion, checked, companions
from spinepair.analysis.settings import row_key
from spinepair.matching.balance import Covariate, balance, lookup

PAIRED = ("paired_t", "wilcoxon", "mcnemar", "bowker")
KINDS = ("continuous", "categorical", "binary", "flags", "ratio", "within_arm", "schedule")


def flag(s: pd.Series) -> pd.Series:
    """Boolean column with missing values as False."""
    return s.astype("boolean").fillna(False).astype(bool)


def shown_levels(spec: dict, x: pd.Series, y: pd.Series) -> list:
    """Levels of a categorical row: ``show`` and every level seen, in vocabulary order, then
    values seen that no vocabulary lists (sorted)."""
    known = list(vocab.levels(spec["variable"]))
    show = [str(v) for v in spec.get("show", known)]
    typed = {str(v): v for v in pd.concat([x, y]).dropna().unique()}
    unknown = [v for v in show if known and v not in known]
    if unknown:
        raise ValueError(f"row {spec['variable']!r}: show lists {unknown}, not in {known}")
    order = known or show
    out = [v for v in order if v in show or v in typed]
    out += sorted((v for v in typed if v not in out), key=str)
    return [typed.get(v, _like(v, x)) for v in out]


def _like(text: str, x: pd.Series):
    """A declared level as the column's type (int levels of an integer column)."""
    return int(text) if pd.api.types.is_integer_dtype(x) and text.lstrip("-").isdigit() else text


class TableStats:
    """Computes the ARD rows of one table of the pair frame ``pf``."""

    def __init__(
        self, name: str, pf: pd.DataFrame, arms: tuple[str, str], params: dict, smd=False,
        tests=True,
    ):  # fmt: skip
        """``params``: the config's ``analysis`` keys ``variants`` and ``alpha``; ``smd``:
        whether rows write SMDs unless they declare ``smd`` themselves; ``tests``: whether
        the rows' declared tests run."""
        self.pf, self.arms, self.smd_default = pf, arms, bool(smd)
        self.tests = bool(tests)
        self.out, self.flow_rows = ArdRows(name), ArdRows("flow")
        self.balance = params.get("balance")  # the match stage's (spinepair.matching.balance)
        self.alpha = float(params.get("alpha", 0.05))
        variants = params.get("variants") or {}
        self.kw = {
            "mcnemar": dict(variants.get("mcnemar") or {}),
            "wilcoxon": dict(variants.get("wilcoxon") or {}),
        }

    def sides(self, col: str) -> tuple[pd.Series, pd.Series]:
        for c in (f"{col}_idx", f"{col}_cmp"):
            if c not in self.pf.columns:
                raise KeyError(f"pair frame has no column {c!r} (derived column {col!r})")
        return self.pf[f"{col}_idx"], self.pf[f"{col}_cmp"]

    def smd(self, spec, key, variable, x, y, level=None) -> None:
        """SMD after matching of a numeric column or of one level of a categorical one (rows
        declaring it only): the match stage's balance row (``params["balance"]``,
        :mod:`spinepair.matching.balance`: the eligible cohort's SD as denominator), after
        checking that its matched means are this row's; without it, the balance of the pair
        frame alone (its own SD of the index arm)."""
        if not spec.get("smd", self.smd_default):
            return
        lv = "" if level is None else str(level)
        values = pd.concat([x, y], ignore_index=True)
        if level is None:
            values = pd.to_numeric(values).astype(float)
        else:  # the level's indicator (its mean is the level's proportion)
            values = (values.astype(str) == lv).astype(float).where(values.notna())
        treated = np.r_[np.ones(len(x), bool), np.zeros(len(y), bool)]
        cov = [Covariate(variable, "numeric", variable)]
        here = balance(values.to_frame(variable), treated, np.ones(len(values), bool), cov)
        here = here.iloc[0]
        given = self.balance
        if given is None:
            smd = float(here["smd_after"])
        else:
            row = lookup(given, variable, lv)
            for mean in ("mean_treated_after", "mean_control_after"):
                if not np.isclose(here[mean], row[mean], equal_nan=True, atol=0.0):
                    raise ValueError(f"row {key!r}: pairs differ from the balance's matched data")
            smd = float(row["smd_after"])
        self.out.add(key, variable, "smd", smd, level=lv)

    def test(self, key, variable, test, x, y, arm="all", est=None, level="", **kw) -> None:
        """Run one test (paired ones on complete pairs) and write its p, estimate and
        companions (``est``: the row's estimate declaration, :mod:`.estimates`; ``False``:
        none) at ``level``; a test that cannot be computed is a ``p`` and an ``estimate`` row
        with no value and the reason as their method, a p R gives as NA is NaN with the
        test's reason. ``recode``: McNemar's booleans of the complete pairs."""
        if not self.tests:
            return
        n = len(x)
        if test in PAIRED:
            ok = (x.notna() & y.notna()).to_numpy()
            x, y = kw.pop("recode", (x[ok], y[ok]))
            self.out.add(key, variable, "pairs_excluded", int((~ok).sum()), arm=arm, level=level)
            n = int(ok.sum())
        try:
            if test == "mcnemar":
                res = stats.mcnemar(x, y, **self.kw["mcnemar"])
            elif test == "wilcoxon":
                res = stats.wilcoxon_signed_rank(x, y, **self.kw["wilcoxon"])
            elif test == "welch_t":
                res = stats.welch_t(x.dropna(), y.dropna())
                n = int(x.notna().sum() + y.notna().sum())
            elif test == "paired_t":
                res = stats.paired_t(x, y)
            elif test == "bowker":
                res = stats.bowker(x, y, categories=kw["categories"])
            else:
                raise ValueError(f"row {key!r}: unknown test {test!r}")
        except stats.StatsInputError as exc:
            why = f"not computed: {exc}"
            for statistic in ("p", "estimate")[: 1 if est is False else 2]:
                self.out.add(key, variable, statistic, None, arm=arm, n=n, method=why, level=level)
            return
        self.out.add(
            key, variable, "p", res.pvalue, arm=arm, n=n, p=res.pvalue, method=res.method,
            level=level,
        )  # fmt: skip
        if est is False:
            return
        est = {"variable": variable, "what": variable, **(est or {}), **kw}
        sides = est.pop("sides", self.arms)
        try:
            rows = companions(test, x, y, est, self.kw["wilcoxon"], sides, self.alpha)
        except stats.StatsInputError as exc:
            rows = [Companion("estimate", None, method=f"not computed: {exc}")]
        for r in map(checked, rows):
            self.out.add(
                key, variable, r.statistic, r.value, arm=arm, n=n, lower=r.lower, upper=r.upper,
                p=_p_of(r, res.pvalue), method=r.method, conf_level=r.conf_level, level=level,
            )  # fmt: skip

    def missing(self, key, variable, x, y) -> None:
        """Patients per arm without a value (percentages are of the patients with one)."""
        for arm, s in zip(self.arms, (x, y)):
            self.out.add(key, variable, "missing", int(s.isna().sum()), arm=arm, n=len(s))

    def arm_counts(self, key, variable, x, y, level, hit_x, hit_y, percent=True) -> None:
        for arm, hit, s in ((self.arms[0], hit_x, x), (self.arms[1], hit_y, y)):
            denom = int(s.notna().sum()) if percent else None
            self.out.add(
                key, variable, "n", int(hit.sum()), level=level, arm=arm, denominator=denom
            )

    def continuous(self, spec: dict) -> None:
        key, var = row_key(spec), spec["variable"]
        _check_continuous(key, spec, self.arms)
        x, y = self.sides(var)
        if "among" in spec:
            fx, fy = self.sides(spec["among"])
            x, y = x.where(flag(fx)), y.where(flag(fy))
            described = (x[flag(fx)], y[flag(fy)])
        else:
            described = (x, y)
        x, y = pd.to_numeric(x).astype(float), pd.to_numeric(y).astype(float)
        for arm, s, shown in zip(self.arms, (x, y), described):
            if arm not in spec.get("arms", self.arms):
                continue
            self.out.add(key, var, "missing", int(shown.isna().sum()), arm=arm, n=len(shown))
            v = s.dropna()
            sd = v.std(ddof=1) if len(v) > 1 else float("nan")
            self.out.add(key, var, "mean", v.mean() if len(v) else None, arm=arm, n=len(v))
            self.out.add(key, var, "sd", sd, arm=arm, n=len(v))
            if spec.get("summary") == "median_iqr":
                q = np.quantile(v, [0.5, 0.25, 0.75]) if len(v) else [None] * 3
                for statistic, val in zip(("median", "q1", "q3"), q):
                    method = "quantile type 7 (R quantile default)"
                    self.out.add(key, var, statistic, val, arm=arm, n=len(v), method=method)
        if spec.get("test"):
            self.test(key, var, spec["test"], x, y)
        if "arms" not in spec:
            self.smd(spec, key, var, x, y)

    def categorical(self, spec: dict, percent: bool = True) -> None:
        key, var = row_key(spec), spec["variable"]
        x, y = self.sides(var)
        if percent:  # a counts row (e.g. further treatment by type) has no missing values
            self.missing(key, var, x, y)
        shown = shown_levels(spec, x, y)
        test = spec.get("test")
        if test == "bowker":
            untested = {str(v) for v in spec.get("untested", ())}
            ok = ~(x.astype(str).isin(untested) | y.astype(str).isin(untested))
            self.out.add(key, var, "pairs_untested", int((~ok).sum()))
            cats = [lv for lv in shown if str(lv) not in untested]
            self.test(key, var, "bowker", x[ok], y[ok], categories=cats)
            if spec.get("estimate_levels"):
                self.collapse(key, var, spec, x[ok], y[ok])
        elif test == "mcnemar":
            level = _like(str(spec["test_level"]), x)
            ok = x.notna() & y.notna()
            recode = (x[ok] == level, y[ok] == level)
            est = {**_estimate_keys(spec), "what": f"{var} = {level}"}
            self.test(key, var, "mcnemar", x, y, est=est, recode=recode, level=level)
        elif test == "wilcoxon":
            tested = spec.get("test_variable", var)
            tx, ty = self.sides(tested)
            self.test(key, tested, "wilcoxon", tx, ty, est=None if tested == var else False)
        elif test:
            raise ValueError(f"row {key!r}: test {test!r} does not apply to a categorical row")
        for lv in shown:
            self.arm_counts(key, var, x, y, lv, x == lv, y == lv, percent)
            if percent:
                self.smd(spec, key, var, x, y, lv)

    def collapse(self, key, var, spec, x, y) -> None:
        """The ``estimate_levels`` of a Bowker row vs the rest: McNemar and risk difference
        on the Bowker's pairs, at level ``a+b``."""
        levels = [str(v) for v in spec["estimate_levels"]]
        hit_x, hit_y = (s.astype(str).isin(levels).where(s.notna()) for s in (x, y))
        ok = hit_x.notna() & hit_y.notna()
        recode = (hit_x[ok].astype(bool), hit_y[ok].astype(bool))
        est = {**_estimate_keys(spec), "what": f"{var} in {{{', '.join(levels)}}}"}
        level = row_tests(spec)[1][0]
        self.test(key, var, "mcnemar", hit_x, hit_y, est=est, recode=recode, level=level)

    def schedule(self, spec: dict) -> None:
        """Patients per dose schedule (dose ``variable`` / ``fractions``), ordered by dose."""
        key, var = row_key(spec), spec["variable"]
        if spec.get("test"):
            raise ValueError(f"row {key!r}: a schedule row is described, not tested")
        sides = [_schedules(d, f) for d, f in zip(self.sides(var), self.sides(spec["fractions"]))]
        (x, kx), (y, ky) = sides
        self.missing(key, var, x, y)
        for lv in sorted({**kx, **ky}, key={**kx, **ky}.get):
            self.arm_counts(key, var, x, y, lv, x == lv, y == lv)

    def binary(self, spec: dict) -> None:
        key, var = row_key(spec), spec["variable"]
        x, y = self.sides(var)
        self.missing(key, var, x, y)
        if spec.get("test"):
            ok = x.notna() & y.notna()
            recode = (x[ok].astype(bool), y[ok].astype(bool))
            self.test(key, var, "mcnemar", x, y, est=_estimate_keys(spec), recode=recode)
        self.arm_counts(key, var, x, y, "", flag(x), flag(y))
        tf = {"na_action": "ignore"}
        self.smd(spec, key, var, x.map(_tf, **tf), y.map(_tf, **tf), "True")

    def flags(self, spec: dict) -> None:
        for lv in self.flag_levels(spec):
            var = spec["variable"].format(level=lv)
            self.binary({"variable": var, "kind": "binary", **_estimate_keys(spec),
                         **({"smd": spec["smd"]} if "smd" in spec else {})})  # fmt: skip

    def flag_levels(self, spec: dict) -> list[str]:
        """Levels of a ``flags`` row shown: those in ``show``, then any true for someone."""
        show = [str(v) for v in spec.get("show", ())]
        out = []
        for lv in vocab.levels(spec["vocabulary"]):
            col = spec["variable"].format(level=lv)
            seen = f"{col}_idx" in self.pf.columns and any(flag(s).any() for s in self.sides(col))
            if lv in show or seen:
                out.append(lv)
        return out

    def ratio(self, spec: dict) -> None:
        key, var = row_key(spec), spec["variable"]
        x, y = self.sides(var)
        self.missing(key, var, x, y)
        lvls = [str(v) for v in spec["levels"]]
        for lv in lvls:
            self.arm_counts(key, var, x, y, lv, x == lv, y == lv)
        self.smd(spec, key, var, x, y, lvls[0])

    def within_arm(self, spec: dict) -> None:
        key, var = row_key(spec), spec["variable"]
        for arm, side in zip(self.arms, ("idx", "cmp")):
            pre, post = self.pf[f"{spec['before']}_{side}"], self.pf[f"{var}_{side}"]
            sides = (spec["before"], var)
            self.test(key, var, spec["test"], pre, post, arm=arm, est={"sides": sides})

    def flow(self, spec: dict) -> None:
        """Patients per arm analysed by the row's paired test (table ``flow``)."""
        key = row_key(spec)
        if spec.get("test") not in PAIRED or spec["kind"] == "within_arm":
            raise ValueError(f"row {key!r}: flow needs a paired between-arm test")
        tested = next(r for r in self.out.rows if r["row"] == key and r["statistic"] == "p")
        for arm in self.arms:
            self.flow_rows.add(
                key, spec["flow"], "n_analysed", tested["n"], arm=arm, n=tested["n"],
                method="pairs analysed by the test (both members with a tested value)",
            )  # fmt: skip

    def run(self, rows: list[dict]) -> list[ArdRows]:
        """The table's ARD rows and its ``flow`` rows."""
        for spec in rows:
            kind = spec["kind"]
            if kind == "counts":
                self.categorical(spec, percent=False)
            elif kind in KINDS:
                getattr(self, kind)(spec)
            else:
                raise ValueError(f"table row {row_key(spec)!r}: unknown kind {kind!r}")
            if "flow" in spec and self.tests:
                self.flow(spec)
        return [self.out, self.flow_rows]


def _p_of(row: Companion, test_p: float) -> float:
    """The p of a companion row: the test's for the estimate, its value for a ``*_p`` row."""
    if row.statistic == "estimate":
        return test_p
    return row.value if row.statistic.endswith("_p") and row.value is not None else NA


def row_tests(spec: dict) -> list[tuple[str, str]]:
    """(ARD level, test) of every between-arm test a row declares: its test at level "", a
    level-vs-rest McNemar at its ``test_level``, a Bowker row's collapse at ``a+b``."""
    test = spec.get("test")
    if not test or spec["kind"] == "within_arm":
        return []
    if spec["kind"] == "categorical" and test == "mcnemar":
        return [(str(spec["test_level"]), "mcnemar")]
    out = [("", "mcnemar" if spec["kind"] == "binary" else test)]
    if test == "bowker" and spec.get("estimate_levels"):
        out.append(("+".join(str(v) for v in spec["estimate_levels"]), "mcnemar"))
    return out


def _check_continuous(key: str, spec: dict, arms) -> None:
    """A ``median_iqr`` row is tested by the signed-rank test only; a row described in some
    ``arms`` only is not tested across arms."""
    test = spec.get("test")
    if spec.get("summary") == "median_iqr" and test not in (None, "wilcoxon"):
        raise ValueError(f"row {key!r}: a median (IQR) row is tested by wilcoxon, not {test!r}")
    if "arms" in spec:
        unknown = set(spec["arms"]) - set(arms)
        if unknown or test:
            why = f"unknown arm(s) {sorted(unknown)}" if unknown else f"test {test!r}"
            raise ValueError(f"row {key!r}: defined in arms {spec['arms']} only: {why}")


def _schedules(dose: pd.Series, fractions: pd.Series) -> tuple[pd.Series, dict]:
    """'30 Gy / 10 fx' per patient (missing when either is) and each label's (dose, fx)."""
    dose, fx = pd.to_numeric(dose).astype(float), pd.to_numeric(fractions).astype(float)
    ok = dose.notna() & fx.notna()
    text = pd.Series(
        [f"{d:g} Gy / {f:g} fx" if k else None for d, f, k in zip(dose, fx, ok)],
        index=dose.index, dtype=object,
    )  # fmt: skip
    return text, {t: (d, f) for t, d, f in zip(text[ok], dose[ok], fx[ok])}


def _estimate_keys(spec: dict) -> dict:
    return {k: spec[k] for k in ("estimate", "estimate_levels") if k in spec}


def _tf(v) -> str:
    return str(bool(v))


def table_stats(name: str, decl: dict, pf: pd.DataFrame, arms, params: dict) -> list[ArdRows]:
    """The ARD rows of one declared table (``decl["rows"]``) of the pair frame, and its
    ``flow`` rows; ``params``: the config's ``analysis`` section (``variants``, ``alpha``)."""
    stats_ = TableStats(
        name, pf, tuple(arms), params, decl.get("smd", False), decl.get("tests", True)
    )
    return stats_.run(decl["rows"])
