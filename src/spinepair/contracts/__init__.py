"""The contracts every stage writes against: the common data model (``cdm``) and the
pandera schemas of each Parquet stage (``stages``), both built from the YAML files shipped
in ``spinepair/schemas`` and read with importlib.resources, and the reading of a stage's
Parquet file that names a damaged one (``parquetfile``).

May import: spinepair.errors only.
"""
