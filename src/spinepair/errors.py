"""The project's own exceptions: each carries a message meant for a clinician to read."""


class SpinepairError(Exception):
    """Base class: a problem with the user's data or configuration, not a bug."""


class ConfigError(SpinepairError):
    """The study config or a site adapter spec is invalid."""


class IngestError(SpinepairError):
    """A site's raw export failed validation; the message lists every failure found."""

    def __init__(self, message: str, failures: list[dict] | None = None, report=None):
        super().__init__(message)
        self.failures = failures or []
        self.report = report  # the validation report (dict) of the failed ingest, if any
