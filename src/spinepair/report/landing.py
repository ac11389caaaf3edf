"""The report's landing page as an HTML fragment, rendered from the study config and the
findings (``results/report/landing.html``, which ``workflow/report/workflow.rst`` includes).

Config text is data: every string of the config is HTML-escaped
(:mod:`spinepair.escape`) and the study description is shown as plain paragraphs, so
no reStructuredText (directives such as ``.. include::`` or ``.. raw::``, roles,
substitutions), Markdown or HTML in the config is ever interpreted.
"""

from __future__ import annotations

from spinepair import escape as esc
from spinepair.report.html_page import STYLE, markdown_to_html


def _join(items) -> str:
    return ", ".join(esc.html(i) for i in items)


def design(study: dict, sites, matching: dict, endpoints: dict, alpha) -> str:
    """The design paragraph (arms, sites, matching, endpoints, tests)."""
    index, comparator = esc.html(study["index_arm"]), esc.html(study["comparator_arm"])
    calipers = ", ".join(
        f"{esc.html(c['variable'])} (±{esc.html(c['width'])})" for c in matching["calipers"]
    )
    ends = _join(str(t).lower() for t in endpoints.values())
    return (
        f"<p><strong>Design.</strong> Matched-pair comparison of <strong>{index}</strong> "
        f"(index arm) with <strong>{comparator}</strong> (comparator arm) at {len(sites)} "
        f"sites ({_join(sites)}). Each {index} patient is matched 1:1 "
        f"({esc.html(matching['method'])}, {esc.html(matching['distance'])} distance) exactly "
        f"on {_join(matching['exact'])} and within calipers on {calipers}; {_balance(matching)}. "
        f"Endpoints: {ends}; paired "
        "tests on the matched pairs, survival compared by the log-rank test and Cox model "
        f"stratified by pair (alpha {esc.html(alpha)}).</p>"
    )


def _balance(matching: dict) -> str:
    """The balance rule as every balance page grades it (MatchIt's SMD denominator)."""
    sd = {"treated": "the index arm's SD", "pooled": "the pooled SD"}
    denominator = sd.get(matching.get("smd_denominator", "treated"), "the index arm's SD")
    warn, fail = (
        matching.get("smd_warn", matching.get("smd_threshold", 0.1)),
        matching.get("smd_fail"),
    )
    grade = f"WARN above {esc.html(warn)}" + (f", FAIL above {esc.html(fail)}" if fail else "")
    return (
        f"balance by |SMD| (difference in means over {denominator} in the eligible cohort, "
        f"before and after matching): {grade}"
    )


def landing_html(cfg: dict, findings_markdown: str) -> str:
    """The landing page of the study config ``cfg`` with the findings (results/summary.md)."""
    study, analysis = cfg["study"], cfg["analysis"]
    endpoints = analysis["endpoints"]
    results = cfg.get("results_dir", "results")
    sections = [
        "<strong>Cohort</strong>: patient flow diagram and attrition table.",
        "<strong>Matching</strong>: balance diagnostic and table, Love plot.",
        (
            f"<strong>Outcomes</strong>: key findings, Tables 1 to {len(cfg['tables'])}, "
            f"Kaplan-Meier figures ({_join(str(t).lower() for t in endpoints.values())}), "
            "survival summary."
        ),
    ]
    if (cfg.get("sensitivity") or {}).get("variants"):
        sections.append(
            "<strong>Sensitivity</strong>: the main estimates under each declared variant, "
            "forest plot."
        )
    diagnostics = [
        text
        for on, text in (
            (analysis.get("diagnostics"), "study diagnostics"),
            (
                study.get("reference"),
                "every number of the reference publication beside the recomputed one",
            ),
        )
        if on
    ]
    if diagnostics:
        sections.append(f"<strong>Diagnostics</strong>: {'; '.join(diagnostics)}.")
    items = "".join(f"<li>{s}</li>" for s in sections)
    return "\n".join(
        [
            f'<h1 class="title">{esc.html(study["title"])}</h1>',
            esc.plain_paragraphs(study.get("description", "")),
            design(study, cfg["sites"], cfg["matching"], endpoints, analysis.get("alpha", 0.05)),
            '<div class="section" id="key-findings"><h2>Key findings</h2>',
            f'<style>{STYLE}</style><div class="sp-page">',
            markdown_to_html(findings_markdown),
            "</div></div>",
            '<div class="section" id="sections"><h2>Sections</h2>',
            f'<ol class="arabic simple">{items}</ol>',
            (
                "<p>Every table is also written as Word, LaTeX, Markdown and CSV (formatted "
                f'and numeric) under <code class="docutils literal">{esc.html(results)}/tables/'
                "</code>.</p></div>"
            ),
        ]
    )
