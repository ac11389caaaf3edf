TABLES = ["table1", "table2", "table3"]
ENDPOINTS = ["os", "pfs", "lc"]
ANALYSIS_OUTPUTS = [
    *expand(
        out("tables/{table}.{ext}"), table=TABLES, ext=["csv", "md", "html", "tex"]
    ),
    *expand(out("figures/km_{endpoint}.{ext}"), endpoint=ENDPOINTS, ext=["png", "svg"]),
    out("survival.csv"),
    out("summary.md"),
]


rule analyse:
    """Paired statistics, publication tables, survival summary and findings."""
    input:
        derived=expand(out("derived/{site}.parquet"), site=SITES),
        pairs=out("matched/pairs.parquet"),
    output:
        table1=report(
            out("tables/table1.html"),
            caption="../report/table1.rst",
            category="Tables",
        ),
        table2=report(
            out("tables/table2.html"),
            caption="../report/table2.rst",
            category="Tables",
        ),
        table3=report(
            out("tables/table3.html"),
            caption="../report/table3.rst",
            category="Tables",
        ),
        others=[
            *expand(
                out("tables/{table}.{ext}"), table=TABLES, ext=["csv", "md", "tex"]
            ),
            *expand(out("figures/km_{endpoint}.svg"), endpoint=ENDPOINTS),
        ],
        km_os=report(
            out("figures/km_os.png"),
            caption="../report/km_os.rst",
            category="Survival",
        ),
        km_pfs=report(
            out("figures/km_pfs.png"),
            caption="../report/km_pfs.rst",
            category="Survival",
        ),
        km_lc=report(
            out("figures/km_lc.png"),
            caption="../report/km_lc.rst",
            category="Survival",
        ),
        survival=report(
            out("survival.csv"), caption="../report/survival.rst", category="Survival"
        ),
        summary=report(
            out("summary.md"), caption="../report/summary.rst", category="Summary"
        ),
    log:
        out("logs/analyse.log"),
    benchmark:
        out("benchmarks/analyse.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        analysis=config["analysis"],
        study=config["study"],
        code=code("analyse"),
    script:
        "../scripts/analyse.py"
