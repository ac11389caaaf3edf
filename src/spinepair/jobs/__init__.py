"""Job plumbing: running a job script (logging, one-line errors, atomic writes), code
fingerprints for precise reruns, Snakemake lock handling.

May import: spinepair.errors, spinepair.contracts. Never imports snakemake or a stage package.
"""
