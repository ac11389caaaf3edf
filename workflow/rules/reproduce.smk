# The comparison with a published study, only when the study config names one.
if REFERENCE:
    import yaml

    from spinepair.analysis.reproduce import variants_named

    with open(REFERENCE, encoding="utf-8") as _fh:
        REFERENCE_VARIANTS = variants_named(yaml.safe_load(_fh))

    rule reproduce:
        """Every published number of the reference beside the recomputed one, PASS/DIFFERS;
        the unpaired or unstratified counterpart beside every p that differs."""
        input:
            ard=out("ard.parquet"),
            pairs_frame=out("analysis/pairs_frame.parquet"),
            variants=expand(
                out("sensitivity/{variant}/ard.parquet"), variant=REFERENCE_VARIANTS
            ),
            reference=REFERENCE,
        output:
            md=out("reproduction.md"),
            csv=out("reproduction.csv"),
        log:
            out("logs/reproduce.log"),
        benchmark:
            out("benchmarks/reproduce.tsv")
        conda:
            "../envs/spinepair.yaml"
        params:
            variants=REFERENCE_VARIANTS,
            code=code("reproduce"),
        script:
            "../scripts/reproduce.py"
