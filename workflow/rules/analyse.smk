# Analysis: one job computes the ARD (analysis results dataset), one job per product renders it.
from spinepair.analysis.endpoint_definitions import competing_keys
from spinepair.analysis.endpoint_definitions import titles as endpoint_titles
from spinepair.analysis.settings import analysis_settings, table_settings

TABLES = list(config["tables"])
ENDPOINTS = list(config["analysis"]["endpoints"])
REFERENCE = (config["study"].get("reference") or {}).get("figures")
DIAGNOSTICS = config["analysis"].get("diagnostics")
COMPETING = competing_keys(config["analysis"]["endpoints"])
TITLES = endpoint_titles(config["analysis"]["endpoints"])
ANALYSIS_OUTPUTS = [
    *expand(
        out("tables/{table}.{ext}"),
        table=TABLES,
        ext=["csv", "data.csv", "md", "html", "tex", "docx"],
    ),
    *expand(out("figures/km_{endpoint}.{ext}"), endpoint=ENDPOINTS, ext=["png", "svg"]),
    *expand(out("figures/cif_{key}.{ext}"), key=COMPETING, ext=["png", "svg"]),
    out("survival.csv"),
    *expand(
        out("tables/survival.{ext}"),
        ext=["csv", "data.csv", "md", "html", "tex", "docx"],
    ),
    out("summary.md"),
    out("coherence.md"),
    *([out("diagnostics.csv"), out("diagnostics.md")] if DIAGNOSTICS else []),
    *([out("reproduction.md"), out("reproduction.csv")] if REFERENCE else []),
]


rule analyse:
    """Paired statistics and survival of the matched pairs -> the ARD and the pair frame."""
    input:
        derived=expand(out("derived/{site}.parquet"), site=SITES),
        pairs=out("matched/pairs.parquet"),
        balance=out("matched/balance.csv"),
    output:
        ard=out("ard.parquet"),
        ard_csv=out("ard.csv"),
        pairs_frame=out("analysis/pairs_frame.parquet"),
    log:
        out("logs/analyse.log"),
    benchmark:
        out("benchmarks/analyse.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        study=config["study"],
        tables=table_settings(config),
        analysis=analysis_settings(config),
        code=code("analyse"),
    script:
        "../scripts/analyse.py"


rule tables:
    """Publication Tables 1-3 (CSV, numeric CSV, Markdown, HTML, LaTeX, Word) from the ARD."""
    input:
        ard=out("ard.parquet"),
    output:
        **{
            name: report(
                out(f"tables/{name}.html"),
                caption=f"../report/{name}.rst",
                category=SECTIONS["outcomes"],
                labels=item_labels(f"3.1.{i}", decl["title"], "publication table"),
            )
            for i, (name, decl) in enumerate(config["tables"].items(), 1)
        },
        others=expand(
            out("tables/{table}.{ext}"),
            table=TABLES,
            ext=["csv", "data.csv", "md", "tex", "docx"],
        ),
    log:
        out("logs/tables.log"),
    benchmark:
        out("benchmarks/tables.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        study=script_safe(ARMS),
        tables=script_safe(config["tables"]),
        mask_below=config["analysis"].get("mask_below"),
        analysis=script_safe(
            {
                "alpha": config["analysis"].get("alpha", 0.05),
                "primary": config["analysis"].get("primary", []),
            }
        ),
        code=code("tables"),
    script:
        "../scripts/tables.py"


rule figures:
    """Kaplan-Meier figure of every endpoint, with the stratified log-rank p and the hazard
    ratio of the ARD, and cumulative incidence figure of every competing-risk endpoint (ARD
    rows cif, gray_p). One job: its imports cost more than drawing a figure (demo: 3.6 s of
    CPU for the five figures in one job, 10.8 s as five jobs; benchmarks/README.md)."""
    input:
        ard=out("ard.parquet"),
        pairs_frame=out("analysis/pairs_frame.parquet"),
    output:
        **{
            f"km_{endpoint}": report(
                out(f"figures/km_{endpoint}.png"),
                caption="../report/km.rst",
                category=SECTIONS["outcomes"],
                labels=item_labels(
                    f"3.2.{i}",
                    title,
                    "Kaplan-Meier curves by arm, numbers at risk, log-rank p and HR",
                ),
            )
            for i, (endpoint, title) in enumerate(TITLES.items(), 1)
        },
        **{
            f"cif_{key}": report(
                out(f"figures/cif_{key}.png"),
                caption="../report/cif.rst",
                category=SECTIONS["outcomes"],
                labels=item_labels(
                    f"3.2.{len(ENDPOINTS) + i}",
                    f"Cumulative incidence: {TITLES[key]}",
                    "cumulative incidence by arm with the declared competing event, Gray's test",
                ),
            )
            for i, key in enumerate(COMPETING, 1)
        },
        svg=[
            *expand(out("figures/km_{endpoint}.svg"), endpoint=ENDPOINTS),
            *expand(out("figures/cif_{key}.svg"), key=COMPETING),
        ],
    log:
        out("logs/figures.log"),
    benchmark:
        out("benchmarks/figures.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        study=script_safe(ARMS),
        titles=script_safe(TITLES),
        endpoints=script_safe(config["analysis"]["endpoints"]),
        analysis_sets=script_safe(config["analysis"].get("analysis_sets") or {}),
        competing=COMPETING,
        conf_type=config["analysis"].get("km", {}).get("conf_type", "log-log"),
        figures=config["analysis"].get("figures", {}),
        code=code("figures"),
    script:
        "../scripts/figures.py"


rule survival:
    """Survival summary (results/survival.csv: every survival ARD row) and the survival table
    (per endpoint and arm: analysis set, n, events, median, rates at the declared horizons with
    95% CI and numbers at risk) from the ARD."""
    input:
        ard=out("ard.parquet"),
    output:
        survival=out("survival.csv"),
        table=report(
            out("tables/survival.html"),
            caption="../report/survival_table.rst",
            category=SECTIONS["outcomes"],
            labels=item_labels(
                f"3.1.{len(TABLES) + 1}",
                "Survival table",
                "Kaplan-Meier estimates per endpoint",
            ),
        ),
        others=expand(
            out("tables/survival.{ext}"), ext=["csv", "data.csv", "md", "tex", "docx"]
        ),
    log:
        out("logs/survival.log"),
    benchmark:
        out("benchmarks/survival.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        study=script_safe(ARMS),
        titles=script_safe(TITLES),
        min_at_risk=config["analysis"].get("min_at_risk", 5),
        mask_below=config["analysis"].get("mask_below"),
        code=code("survival"),
    script:
        "../scripts/survival.py"


rule findings:
    """The study's findings, one line each, from the ARD (and the study diagnostics)."""
    input:
        **({"diagnostics": out("diagnostics.csv")} if DIAGNOSTICS else {}),
        ard=out("ard.parquet"),
    output:
        summary=out("summary.md"),
    log:
        out("logs/findings.log"),
    benchmark:
        out("benchmarks/findings.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        study=config["study"],
        tables=config["tables"],
        endpoints=TITLES,
        mask_below=config["analysis"].get("mask_below"),
        min_at_risk=config["analysis"].get("min_at_risk", 5),
        primary=config["analysis"].get("primary", []),
        code=code("findings"),
    script:
        "../scripts/findings.py"


rule coherence:
    """Every number printed in the tables, summary, diagnostics and figure annotations checked
    against the ARD number of the quantity it labels (spinepair.report.coherence)."""
    input:
        **({"diagnostics": out("diagnostics.csv")} if DIAGNOSTICS else {}),
        **({"diagnostics_md": out("diagnostics.md")} if DIAGNOSTICS else {}),
        ard=out("ard.parquet"),
        summary=out("summary.md"),
        tables=expand(
            out("tables/{table}.{ext}"),
            table=[*TABLES, "survival"],
            ext=["csv", "data.csv"],
        ),
        figures=[
            *expand(out("figures/km_{endpoint}.svg"), endpoint=ENDPOINTS),
            *expand(out("figures/cif_{key}.svg"), key=COMPETING),
        ],
    output:
        out("coherence.md"),
    log:
        out("logs/coherence.log"),
    benchmark:
        out("benchmarks/coherence.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        config=script_safe(
            {
                "analysis": {
                    "endpoints": TITLES,
                    "diagnostics": {
                        "endpoints": (DIAGNOSTICS or {}).get("endpoints", [])
                    },
                }
            }
        ),
        tables=[*TABLES, "survival"],
        code=code("coherence"),
    script:
        "../scripts/coherence.py"


if DIAGNOSTICS:

    rule diagnostics:
        """Study diagnostics (design, balance, informative pairs, detectable effect, proportional
        hazards) with PASS/WARN/FAIL, adjusted estimates and pairs needed for declared effects.
        """
        input:
            ard=out("ard.parquet"),
            pairs_frame=out("analysis/pairs_frame.parquet"),
            balance=out("matched/balance.csv"),
        output:
            csv=out("diagnostics.csv"),
            md=out("diagnostics.md"),
        log:
            out("logs/diagnostics.log"),
        benchmark:
            out("benchmarks/diagnostics.tsv")
        conda:
            "../envs/spinepair.yaml"
        params:
            study=config["study"],
            alpha=config["analysis"].get("alpha", 0.05),
            balance_rows=config["tables"][DIAGNOSTICS["balance_table"]]["rows"],
            diagnostics=DIAGNOSTICS,
            adjust=config["analysis"].get("adjust", {}),
            power=config["analysis"].get("power", {}),
            titles=TITLES,
            code=code("diagnostics"),
        script:
            "../scripts/diagnostics.py"
