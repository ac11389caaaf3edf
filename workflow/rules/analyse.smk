# Analysis: one job computes the ARD (analysis results dataset), one job per product renders it.
from spinepair.analysis.settings import analysis_settings, table_settings

TABLES = list(config["tables"])
ENDPOINTS = list(config["analysis"]["endpoints"])
REFERENCE = (config["study"].get("reference") or {}).get("figures")
DIAGNOSTICS = config["analysis"].get("diagnostics")
ANALYSIS_OUTPUTS = [
    *expand(
        out("tables/{table}.{ext}"),
        table=TABLES,
        ext=["csv", "data.csv", "md", "html", "tex", "docx"],
    ),
    *expand(out("figures/km_{endpoint}.{ext}"), endpoint=ENDPOINTS, ext=["png", "svg"]),
    out("survival.csv"),
    out("summary.md"),
    *([out("diagnostics.csv"), out("diagnostics.md")] if DIAGNOSTICS else []),
    *([out("reproduction.md"), out("reproduction.csv")] if REFERENCE else []),
]


rule analyse:
    """Paired statistics and survival of the matched pairs -> the ARD and the pair frame."""
    input:
        derived=expand(out("derived/{site}.parquet"), site=SITES),
        pairs=out("matched/pairs.parquet"),
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
        study=ARMS,
        tables=config["tables"],
        mask_below=config["analysis"].get("mask_below"),
        code=code("tables"),
    script:
        "../scripts/tables.py"


rule km_figure:
    """Kaplan-Meier figure of one endpoint, with the stratified log-rank p and the hazard
    ratio of the ARD."""
    input:
        ard=out("ard.parquet"),
        pairs_frame=out("analysis/pairs_frame.parquet"),
    output:
        png=report(
            out("figures/km_{endpoint}.png"),
            caption="../report/km.rst",
            category=SECTIONS["outcomes"],
            labels=lambda wc: item_labels(
                f"3.2.{ENDPOINTS.index(wc.endpoint) + 1}",
                config["analysis"]["endpoints"][wc.endpoint],
                "Kaplan-Meier curves by arm, numbers at risk, log-rank p and HR",
            ),
        ),
        svg=out("figures/km_{endpoint}.svg"),
    log:
        out("logs/km_figure/{endpoint}.log"),
    benchmark:
        out("benchmarks/km_figure/{endpoint}.tsv")
    wildcard_constraints:
        endpoint="|".join(ENDPOINTS),
    conda:
        "../envs/spinepair.yaml"
    params:
        study=ARMS,
        title=lambda wc: config["analysis"]["endpoints"][wc.endpoint],
        conf_type=config["analysis"].get("km", {}).get("conf_type", "log-log"),
        figures=config["analysis"].get("figures", {}),
        code=code("km_figure"),
    script:
        "../scripts/km_figure.py"


rule survival:
    """Survival summary (medians, local-control rates, log-rank, Cox) from the ARD."""
    input:
        ard=out("ard.parquet"),
    output:
        survival=out("survival.csv"),
    log:
        out("logs/survival.log"),
    benchmark:
        out("benchmarks/survival.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
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
        endpoints=config["analysis"]["endpoints"],
        mask_below=config["analysis"].get("mask_below"),
        code=code("findings"),
    script:
        "../scripts/findings.py"


if DIAGNOSTICS:

    rule diagnostics:
        """Study diagnostics (balance, informative pairs, detectable effect, proportional hazards)
        with PASS/WARN/FAIL, adjusted estimates and pairs needed for power."""
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
            code=code("diagnostics"),
        script:
            "../scripts/diagnostics.py"
