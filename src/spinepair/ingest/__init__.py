"""Ingest: a site's raw export -> the common data model.

``spec`` (site spec loading and every spec check; ``specyaml`` strict YAML with lines,
``spec_features`` checks of the adapter features), ``dates`` (one reading per date),
``readers`` (csv, xlsx), ``textstream`` (delimited text in blocks of whole records),
``statfiles`` (sav, sas7bdat, dta), ``layout`` (header rows,
footers, row filters, missing markers, extraction), ``reshape`` (renames, wide-to-long,
EAV long-to-wide), ``extract`` (a site's files -> raw tables), ``linking`` (id
normalisation, nearest-date joins), ``checks`` (values, keys, date order, plausibility,
identity and arms; ``checks.sitewide`` for a site checked in parts), ``partition`` (a
large site split by patient into parts on disk), ``outcome`` (parts merged: failures,
report, tables), ``quarantine`` (records rejected whole), ``failure`` (the one failure
type), ``report`` (validation report and message), ``pseudonym`` (keyed pseudonyms),
``pipeline`` (:func:`~spinepair.ingest.pipeline.ingest_site`), ``profile`` (``spinepair
check-site``).

May import: spinepair.errors, spinepair.contracts.
"""
