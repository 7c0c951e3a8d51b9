"""The errors reportgen raises on purpose. Each prints one line ``Error: …`` and exits non-zero.

Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

import click


class ReportgenError(click.ClickException):
    """Base class: an expected failure with a message a student can act on (exit 1)."""


class LabSpecError(ReportgenError):
    """Raised by lab-spec loading: the spec file is malformed or names unknown things."""


class ParamError(ReportgenError):
    """Raised by parameter resolution: unknown key, wrong type or out-of-range value."""


class ExperimentError(ReportgenError):
    """Raised by the pipeline when an experiment cannot be found or fails while running."""


class RenderError(ReportgenError):
    """Raised by rendering: a figure, template, formula or the PDF could not be produced."""


class EnvironmentProblem(ReportgenError):
    """Raised when the machine lacks something: a font, a device, a data file."""
