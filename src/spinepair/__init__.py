"""spinepair: a multicenter matched-pair outcome study, from raw hospital exports to the report.

Package map, one subpackage per stage (see docs/architecture.md):

- ``contracts``  common data model and Parquet stage schemas (YAML shipped in ``schemas/``)
- ``ingest``     raw export -> common data model: adapters, checks, pseudonyms, failures
- ``endpoints``  derive stage: covariates, dose, pain, toxicity, times to event
- ``cohort``     eligibility, attrition, flow diagram
- ``matching``   1:1 matching, balance, Love plot
- ``stats``      paired tests, survival, estimates (each checked against R)
- ``analysis``   the pair frame and everything computed on it
- ``report``     table writers and figures
- ``jobs``       job plumbing: job runner, code fingerprints, locks
- ``synth``      the synthetic-data generator (never imported by the pipeline)
- ``cli``        the ``spinepair`` command: ``spinepair check-site SITE``

Imports run one way: stages import ``errors``, ``contracts`` and ``stats``; nothing imports
``synth`` but ``synth`` itself, the tests and the benchmarks; the library never imports snakemake.
"""
