"""The failures of the write-audit-publish stages, raised by each and caught by the DAG (no retry)."""


class TransformFailed(RuntimeError):
    """A transform-DAG step failed; the message names the failing models, tests or checks."""


class PublishRefused(RuntimeError):
    """The build may not be published; the message says why."""
