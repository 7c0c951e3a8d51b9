"""Figures as pure functions of stored results: matplotlib (Agg) to SVG files.

Style lives in :data:`STYLE`; changing it changes figures only, never a run key.
"""

from __future__ import annotations

import typing as t
import warnings
from pathlib import Path

from reportgen.errors import RenderError
from reportgen.lab import FigureSpec, LabSpec
from reportgen.store import RunResult, canonical_json, write_atomic

PLOTS = Path(__file__).with_name("plots.py")

STYLE: dict[str, t.Any] = {
    "figure.figsize": (6.4, 3.4),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
}


def render_figures(
    lab: LabSpec, results: t.Mapping[str, RunResult], out_dir: Path
) -> dict[str, str]:
    """Draw every figure of the lab; returns figure id -> path relative to the report.

    A figure whose inputs (its spec, the runs' series, labels and statuses, the style and
    the matplotlib version) have not changed since it was drawn is not drawn again: the
    digest of those inputs is the SVG's last line.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for spec in lab.figures:
        path = out_dir / f"{spec.id}.svg"
        paths[spec.id] = f"{out_dir.name}/{path.name}"
        stamp = f"<!-- reportgen figure {_inputs_digest(spec, lab, results)} -->\n"
        if path.is_file() and path.read_text(encoding="utf-8").endswith(stamp):
            continue
        try:
            svg = _draw(spec, lab, results)
        except Exception as exc:
            raise RenderError(
                f"Error rendering figure '{spec.id}' ({lab.id}): {exc}"
            ) from exc
        write_atomic(path, svg + stamp)
    return paths


def _inputs_digest(
    spec: FigureSpec, lab: LabSpec, results: t.Mapping[str, RunResult]
) -> str:
    import dataclasses
    import hashlib
    import importlib.metadata

    inputs = {
        "spec": dataclasses.asdict(spec),
        "runs": {
            r: [
                [results[r].series.get(name) for name in spec.series],
                [results[r].metrics.get(name) for name in spec.series],
                lab.run(r).label,
                lab.run(r).point,
                results[r].status,
                results[r].diverged_at,
            ]
            for r in lab.figure_runs(spec)
        },
        "style": {k: repr(v) for k, v in STYLE.items()},
        # drawing code changes redraw
        "code": [Path(__file__).read_text("utf-8"), PLOTS.read_text("utf-8")],
        "matplotlib": importlib.metadata.version("matplotlib"),
    }
    return hashlib.sha256(canonical_json(inputs).encode()).hexdigest()


def _draw(spec: FigureSpec, lab: LabSpec, results: t.Mapping[str, RunResult]) -> str:
    """The figure as SVG text, drawn by the function its kind names (render/plots.py)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reportgen.render import plots
    from reportgen.render.fonts import setup_matplotlib

    setup_matplotlib()
    with matplotlib_style(), warnings.catch_warnings():
        # a missing glyph would print as a box: make it an error, never a silent defect
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        fig = plots.DRAWERS[spec.kind](spec, lab, results)
        try:
            buf = io.StringIO()
            # no date in the file: the same results give the same SVG, byte for byte
            fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
            return buf.getvalue()
        finally:
            plt.close(fig)


def matplotlib_style() -> t.ContextManager[None]:
    import matplotlib.pyplot as plt

    return plt.rc_context(STYLE)  # type: ignore[arg-type]
