"""The synthetic-data generator: the demo exports and the registry-scale simulator, with their
renderers in the six export styles. Never imported by the pipeline; its calibration uses
independent implementations (scipy, statsmodels, lifelines), not spinepair.stats or
spinepair.endpoints.

- ``simparams``       every parameter: the paper's targets, generic-patient distributions
- ``calibration``     the 28 designed pairs (``calibrate_baseline``, ``calibrate_outcomes``),
  accepted by ``checks``
- ``core``            what both simulators share: regimens, anatomy, timelines, typed tables
- ``identities``      hospital ids and fake direct identifiers
- ``simulate``        the demo study, one patient at a time (rows: ``demo_rows``); the CLI
- ``registry``        registry-scale sites, all patients of a site at once
- ``render``          truth -> raw export files (headers and codes: ``export_layouts``; shared
  text and file writing: ``export_io``); styles E and F: ``render_department``, ``render_spss``
- ``sites/``          the demo sites' adapter specs (``config/sites/`` links here)

May import: spinepair.contracts (the vocabularies and dtypes it renders).
"""
