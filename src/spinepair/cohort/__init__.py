"""Cohort: eligibility steps with per-patient exclusion reasons, pooled attrition and the
flow diagram.

May import: spinepair.errors, spinepair.contracts.
"""
