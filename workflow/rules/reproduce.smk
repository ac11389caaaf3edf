# The comparison with a published study, only when the study config names one.
if REFERENCE:

    rule reproduce:
        """Every published number of the reference beside the recomputed one, PASS/DIFFERS."""
        input:
            ard=out("ard.parquet"),
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
            code=code("reproduce"),
        script:
            "../scripts/reproduce.py"
