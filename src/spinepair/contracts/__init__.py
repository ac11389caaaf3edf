"""The contracts every stage writes against: the common data model (``cdm``) and the
pandera schemas of each Parquet stage (``stages``), both built from the YAML files shipped
in ``spinepair/schemas`` and read with importlib.resources.

May import: spinepair.errors only.
"""
