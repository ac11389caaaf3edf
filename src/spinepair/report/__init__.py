"""Report: rendering of analysis results (table writers, figures).

May import: spinepair.errors, spinepair.jobs, spinepair.stats.
"""
