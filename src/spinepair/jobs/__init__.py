"""Job plumbing: running a job script (logging, one-line errors, atomic writes), code
fingerprints for precise reruns, one run at a time per directory (``runlock``),
Snakemake lock handling, damaged results set aside for a rebuild (``intact``).

May import: spinepair.errors, spinepair.contracts. Never imports snakemake or a stage package.
"""
