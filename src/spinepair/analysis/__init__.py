"""Analysis: the pair frame of matched patients and everything computed on it (tables,
survival summary, findings).

May import: spinepair.errors, spinepair.contracts, spinepair.stats, spinepair.matching.balance,
spinepair.report (for writers).
"""
