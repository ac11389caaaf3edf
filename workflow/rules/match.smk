from spinepair.analysis.settings import balance_settings


rule match:
    """1:1 matching of the comparator arm to the index arm, with the balance of the eligible
    cohort before and after matching (the Love plot is drawn by rule love_plot)."""
    input:
        derived=expand(out("derived/{site}.parquet"), site=SITES),
        cohort=expand(out("cohort/{site}.parquet"), site=SITES),
        patients=expand(out("ingested/{site}/patients.parquet"), site=SITES),
    output:
        pairs=out("matched/pairs.parquet"),
        unmatched=out("matched/unmatched.csv"),
        duplicates=out("matched/duplicate_persons.csv"),
        balance_csv=out("matched/balance.csv"),
        balance_md=out("matched/balance.md"),
        diagnostic=out("matched/diagnostic.txt"),
    log:
        out("logs/match.log"),
    benchmark:
        out("benchmarks/match.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        spec=config["matching"],
        balance=balance_settings(config),
        arms=config["study"],
        persons=config["persons"],
        key_fingerprint=KEY_FINGERPRINT,
        code=code("match"),
    script:
        "../scripts/match.py"


rule attrition:
    """Pooled attrition table from the recorded counts (ingest, eligibility, matching)."""
    input:
        attrition=expand(out("cohort/{site}.attrition.csv"), site=SITES),
        cohort=expand(out("cohort/{site}.parquet"), site=SITES),
        pairs=out("matched/pairs.parquet"),
        duplicates=out("matched/duplicate_persons.csv"),
        reports=expand(out("ingested/{site}/validation.json"), site=SITES),
    output:
        table=out("attrition/attrition.csv"),
        markdown=out("attrition/attrition.md"),
        records=out("attrition/quarantined_records.csv"),
    log:
        out("logs/attrition.log"),
    benchmark:
        out("benchmarks/attrition.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        arms=config["study"],
        code=code("attrition"),
    script:
        "../scripts/attrition.py"


rule flow_diagram:
    """STROBE-style flow diagram: attrition, matched pairs and the analysed per endpoint."""
    input:
        attrition=out("attrition/attrition.csv"),
        records=out("attrition/quarantined_records.csv"),
        ard=out("ard.parquet"),
    output:
        svg=out("attrition/flow.svg"),
        png=report(
            out("attrition/flow.png"),
            caption="../report/flow.rst",
            category=SECTIONS["cohort"],
            labels=item_labels("1.1", "Patient flow", "STROBE-style flow diagram"),
        ),
    log:
        out("logs/flow_diagram.log"),
    benchmark:
        out("benchmarks/flow_diagram.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        arms=script_safe(ARMS),
        titles=script_safe(endpoint_titles(config["analysis"]["endpoints"])),
        code=code("flow_diagram"),
    script:
        "../scripts/flow_diagram.py"
