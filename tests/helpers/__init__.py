"""Shared test helpers: real Snakemake runs on copies, site builders, hypothesis strategies,
the broken-export corpus and the local Slurm cluster."""
