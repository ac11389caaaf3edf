"""The synthetic-data generator: the demo exports and the registry-scale simulator, with their
renderers in the four export styles. Never imported by the pipeline; its calibration uses
independent implementations (scipy, statsmodels, lifelines), not spinepair.stats or
spinepair.endpoints.

May import: spinepair.contracts (the vocabularies and dtypes it renders).
"""
