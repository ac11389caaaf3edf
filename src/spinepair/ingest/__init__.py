"""Ingest: a site's raw export -> the common data model.

``spec`` (site spec loading and every spec check), ``dates`` (one reading per date),
``readers`` (csv, xlsx), ``reshape`` (renames, wide-to-long, EAV long-to-wide),
``extract`` (a site's files -> raw tables), ``checks`` (values, keys, date order,
plausibility, identity), ``quarantine`` (records rejected whole), ``failure`` (the one
failure type), ``report`` (validation report and message), ``pseudonym`` (keyed
pseudonyms), ``pipeline`` (:func:`~spinepair.ingest.pipeline.ingest_site`).

May import: spinepair.errors, spinepair.contracts.
"""
