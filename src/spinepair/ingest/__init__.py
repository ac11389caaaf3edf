"""Ingest: a site's raw export -> the common data model. Reading files (csv, xlsx, long EAV)
by the site's adapter spec, the checks, keyed pseudonyms, and the failure records.

May import: spinepair.errors, spinepair.contracts.
"""
