"""Matching: 1:1 matching of the comparator arm to the index arm (optimal, greedy, auto),
balance diagnostics and the Love plot.

May import: spinepair.errors, spinepair.contracts.
"""
