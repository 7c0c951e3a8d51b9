"""Figures as pure functions of stored results: matplotlib (Agg) to PNG files at 200 dpi.

Style lives in :data:`STYLE`; changing it changes figures only, never a run key.
PNG rather than SVG: matplotlib's SVG draws every letter as a path, and WeasyPrint spent
~0.2 s laying out each such figure again on every re-render (lab4: 1 s of a 7 s notes
edit); a 200 dpi PNG costs it ~0.02 s and prints sharp (docs/performance.md).
"""

from __future__ import annotations

import functools
import typing as t
import warnings
from pathlib import Path

from reportgen.errors import RenderError
from reportgen.lab import FigureSpec, LabSpec
from reportgen.store import RunResult, canonical_json, write_atomic_with

PLOTS = Path(__file__).with_name("plots.py")
FIGURE_DPI = 200  # sharp in print at the report's figure width (≈ 14 cm)

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

    A figure's file is named after the digest of its inputs (its spec, the runs' series,
    labels and statuses, the style and the matplotlib version), so a figure whose file
    exists is current and is not drawn again; every other file in ``out_dir`` (older
    versions) is removed.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for spec in lab.figures:
        path = out_dir / f"{spec.id}-{_inputs_digest(spec, lab, results)[:16]}.png"
        paths[spec.id] = f"{out_dir.name}/{path.name}"
        if path.is_file():
            continue
        try:
            png = _draw(spec, lab, results)
        except Exception as exc:
            raise RenderError(
                f"Error rendering figure '{spec.id}' ({lab.id}): {exc}"
            ) from exc
        write_atomic_with(path, functools.partial(_write_bytes, png))
    current = {Path(p).name for p in paths.values()}
    for old in out_dir.iterdir():  # the folder is the figures': older versions go
        if old.is_file() and old.name not in current:
            old.unlink()
    return paths


def _write_bytes(data: bytes, file: t.BinaryIO) -> None:
    file.write(data)


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
        "style": {k: repr(v) for k, v in STYLE.items()} | {"dpi": FIGURE_DPI},
        # drawing code changes redraw
        "code": [Path(__file__).read_text("utf-8"), PLOTS.read_text("utf-8")],
        "matplotlib": importlib.metadata.version("matplotlib"),
    }
    return hashlib.sha256(canonical_json(inputs).encode()).hexdigest()


def _draw(spec: FigureSpec, lab: LabSpec, results: t.Mapping[str, RunResult]) -> bytes:
    """The figure as PNG bytes, drawn by the function its kind names (render/plots.py)."""
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
            buf = io.BytesIO()
            # no software version in the file: the same inputs give the same bytes
            fig.savefig(
                buf,
                format="png",
                dpi=FIGURE_DPI,
                bbox_inches="tight",
                metadata={"Software": None},
            )
            return buf.getvalue()
        finally:
            plt.close(fig)


def matplotlib_style() -> t.ContextManager[None]:
    import matplotlib.pyplot as plt

    return plt.rc_context(STYLE)  # type: ignore[arg-type]
