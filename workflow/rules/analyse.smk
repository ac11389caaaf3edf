# Analysis: one job computes the ARD (analysis results dataset), one job per product renders it.
TABLES = list(config["tables"])
ENDPOINTS = list(config["analysis"]["endpoints"])
REFERENCE = (config["study"].get("reference") or {}).get("figures")
ANALYSIS_OUTPUTS = [
    *expand(
        out("tables/{table}.{ext}"), table=TABLES, ext=["csv", "md", "html", "tex"]
    ),
    *expand(out("figures/km_{endpoint}.{ext}"), endpoint=ENDPOINTS, ext=["png", "svg"]),
    out("survival.csv"),
    out("summary.md"),
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
        # what the statistics depend on: the declarations without titles and footnotes
        tables={
            name: {
                k: v
                for k, v in decl.items()
                if k not in ("title", "footnotes", "ungraded_note")
            }
            for name, decl in config["tables"].items()
        },
        analysis={
            "alpha": config["analysis"].get("alpha", 0.05),
            "lc_months": config["analysis"].get("lc_months", []),
            "km": config["analysis"].get("km", {}),
            "variants": config["analysis"].get("variants", {}),
            "endpoints": ENDPOINTS,
        },
        code=code("analyse"),
    script:
        "../scripts/analyse.py"


rule tables:
    """Publication Tables 1-3 (CSV, Markdown, HTML, LaTeX) from the ARD."""
    input:
        ard=out("ard.parquet"),
    output:
        **{
            name: report(
                out(f"tables/{name}.html"),
                caption=f"../report/{name}.rst",
                category="Tables",
            )
            for name in TABLES
        },
        others=expand(
            out("tables/{table}.{ext}"), table=TABLES, ext=["csv", "md", "tex"]
        ),
    log:
        out("logs/tables.log"),
    benchmark:
        out("benchmarks/tables.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        study=config["study"],
        tables=config["tables"],
        mask_below=config["analysis"].get("mask_below"),
        code=code("tables"),
    script:
        "../scripts/tables.py"


rule km_figure:
    """Kaplan-Meier figure of one endpoint, with the stratified log-rank p of the ARD."""
    input:
        ard=out("ard.parquet"),
        pairs_frame=out("analysis/pairs_frame.parquet"),
    output:
        png=report(
            out("figures/km_{endpoint}.png"),
            caption="../report/km.rst",
            category="Survival",
            subcategory="{endpoint}",
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
        study=config["study"],
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
        survival=report(
            out("survival.csv"), caption="../report/survival.rst", category="Survival"
        ),
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
    """The study's findings, one line each, from the ARD."""
    input:
        ard=out("ard.parquet"),
    output:
        summary=report(
            out("summary.md"), caption="../report/summary.rst", category="Summary"
        ),
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
