# The report (snakemake --report results/report.html): a landing page rendered from the study
# config, sections in study order, every item labelled and shown inline (HTML pages of the
# Markdown and CSV results, which the report would only offer as downloads).
report: "../report/workflow.rst"


from spinepair.analysis.endpoint_definitions import titles as endpoint_titles
from spinepair.analysis.settings import balance_settings

# page -> (source file, section, labels) of every result shown as an HTML page
REPORT_PAGES = {
    "attrition/attrition": (
        "attrition/attrition.md",
        "cohort",
        item_labels(
            "1.2", "Attrition", "patients excluded at each step, per site and arm"
        ),
    ),
    "summary": (
        "summary.md",
        "outcomes",
        item_labels("3.0", "Key findings", "the main results, one line each"),
    ),
    "survival": (
        "survival.csv",
        "outcomes",
        item_labels(
            "3.3", "Survival summary", "medians, rates, log-rank and Cox, per endpoint"
        ),
    ),
}
if config["study"].get("reference"):
    REPORT_PAGES["reproduction"] = (
        "reproduction.md",
        "diagnostics",
        item_labels("5.2", "Reproduction", "every published number beside ours"),
    )
if config["analysis"].get("diagnostics"):
    REPORT_PAGES["diagnostics"] = (
        "diagnostics.md",
        "diagnostics",
        item_labels("5.1", "Study diagnostics", "balance, power, proportional hazards"),
    )
REPORT_PAGES["coherence"] = (
    "coherence.md",
    "diagnostics",
    item_labels("5.3", "Coherence", "every printed number checked against the ARD"),
)
if (config.get("sensitivity") or {}).get("variants"):
    REPORT_PAGES["sensitivity/summary"] = (
        "sensitivity/summary.md",
        "sensitivity",
        item_labels(
            "4.1", "Sensitivity analyses", "the main estimates under each variant"
        ),
    )
REPORT_OUTPUTS = [
    out("report/landing.html"),
    out("matched/balance.html"),
    out("matched/loveplot.png"),
    *(out(f"{page}.html") for page in REPORT_PAGES),
]


rule love_plot:
    """Love plot (study labels, matching variables first) and the balance page, both from the
    match stage's balance (eligible cohort and matched pairs)."""
    input:
        balance=out("matched/balance.csv"),
        diagnostic=out("matched/diagnostic.txt"),
    output:
        html=report(
            out("matched/balance.html"),
            caption="../report/balance.rst",
            category=SECTIONS["matching"],
            labels=item_labels("2.1", "Balance", "|SMD| before and after matching"),
        ),
        png=report(
            out("matched/loveplot.png"),
            caption="../report/loveplot.rst",
            category=SECTIONS["matching"],
            labels=item_labels("2.2", "Love plot", "|SMD| per covariate, thresholds"),
        ),
        svg=out("matched/loveplot.svg"),
    log:
        out("logs/love_plot.log"),
    benchmark:
        out("benchmarks/love_plot.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        arms=script_safe(ARMS),
        thresholds=balance_settings(config)["thresholds"],
        code=code("love_plot"),
    script:
        "../scripts/love_plot.py"


rule report_page:
    """A Markdown or CSV result as an HTML page the report shows inline."""
    input:
        lambda wc: out(REPORT_PAGES[wc.page][0]),
    output:
        report(
            out("{page}.html"),
            caption="../report/page.rst",
            category=lambda wc: SECTIONS[REPORT_PAGES[wc.page][1]],
            labels=lambda wc: REPORT_PAGES[wc.page][2],
        ),
    log:
        out("logs/report_page/{page}.log"),
    benchmark:
        out("benchmarks/report_page/{page}.tsv")
    wildcard_constraints:
        page="|".join(REPORT_PAGES),
    conda:
        "../envs/spinepair.yaml"
    params:
        title=lambda wc: REPORT_PAGES[wc.page][2]["item"],
        code=code("report_page"),
    script:
        "../scripts/report_page.py"


# What the landing page reads of the study config, no more (every text escaped by its
# renderer): a table, figure or test option reruns it only through the findings it shows.
LANDING = {
    "study": {
        **{k: config["study"].get(k) for k in ("title", "description")},
        **ARMS,
        "reference": bool(config["study"].get("reference")),
    },
    "sites": SITES,
    "matching": {
        **{
            k: config["matching"].get(k)
            for k in ("method", "distance", "exact", "calipers", "smd_threshold")
            if k in config["matching"]
        },
        "smd_denominator": config["matching"].get("smd_denominator", "treated"),
        **{
            k: (config["analysis"].get("diagnostics") or {}).get(k)
            for k in ("smd_warn", "smd_fail")
            if (config["analysis"].get("diagnostics") or {}).get(k) is not None
        },
    },
    "analysis": {
        "endpoints": endpoint_titles(config["analysis"]["endpoints"]),
        "alpha": config["analysis"].get("alpha", 0.05),
        "diagnostics": bool(config["analysis"].get("diagnostics")),
    },
    "tables": list(config["tables"]),
    "results_dir": RESULTS,
    "sensitivity": {
        "variants": bool((config.get("sensitivity") or {}).get("variants"))
    },
}


rule landing_page:
    """The report's landing page (workflow.rst includes it): title, description, design, key
    findings and sections, every config text escaped (spinepair.report.landing)."""
    input:
        summary=out("summary.md"),
    output:
        out("report/landing.html"),
    log:
        out("logs/landing_page.log"),
    benchmark:
        out("benchmarks/landing_page.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        config=LANDING,
        code=code("landing_page"),
    script:
        "../scripts/landing_page.py"
