"""Figures as pure functions of stored results: matplotlib (Agg) to SVG files.

Style lives in :data:`STYLE`; changing it changes figures only, never a run key.
"""

from __future__ import annotations

import typing as t
import warnings
from pathlib import Path

from reportgen.aggregate import mean_band, points
from reportgen.errors import RenderError
from reportgen.lab import FigureSpec, LabSpec
from reportgen.store import RunResult, canonical_json, write_atomic

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
            svg = _curves(spec, lab, results)
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
                results[r].series.get(spec.series),
                lab.run(r).label,
                results[r].status,
                results[r].diverged_at,
            ]
            for r in figure_runs(spec, lab)
        },
        "style": {k: repr(v) for k, v in STYLE.items()},
        "code": Path(__file__).read_text(
            encoding="utf-8"
        ),  # drawing code changes redraw
        "matplotlib": importlib.metadata.version("matplotlib"),
    }
    return hashlib.sha256(canonical_json(inputs).encode()).hexdigest()


def figure_runs(spec: FigureSpec, lab: LabSpec) -> list[str]:
    """The runs a figure draws: its own list, or every run of its groups."""
    return list(spec.runs) or [r.id for r in lab.runs if r.group in spec.groups]


def _curves(spec: FigureSpec, lab: LabSpec, results: t.Mapping[str, RunResult]) -> str:
    """Overlaid series (e.g. perplexity per epoch): a line per run, or a band per point."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from reportgen.render.fonts import setup_matplotlib

    setup_matplotlib()

    import matplotlib.pyplot as plt

    with matplotlib_style(), warnings.catch_warnings():
        # a missing glyph would print as a box: make it an error, never a silent defect
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        fig, ax = plt.subplots()
        try:
            if spec.groups:
                curves = _draw_bands(ax, spec, lab, results)
            else:
                curves = _draw_lines(ax, spec, lab, results)
            if spec.logy:
                _plain_log_axis(ax)
            ax.set_xlabel(spec.xlabel)
            ax.set_ylabel(spec.ylabel)
            if spec.title:
                ax.set_title(spec.title)
            if curves > 3:  # many curves: legend below the axes, never over them
                ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
            elif curves > 1:
                ax.legend(loc="best")
            fig.tight_layout()
            buf = io.StringIO()
            # no date in the file: the same results give the same SVG, byte for byte
            fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
            return buf.getvalue()
        finally:
            plt.close(fig)


def _draw_lines(
    ax: t.Any, spec: FigureSpec, lab: LabSpec, results: t.Mapping[str, RunResult]
) -> int:
    """One line per run; a diverged run says at which step. Returns the number of curves."""
    for run_id in spec.runs:
        result = results[run_id]
        points = result.series.get(spec.series, [])
        label = lab.run(run_id).label
        if result.status == "diverged":
            label += f"（第 {result.diverged_at} 步发散）"
        ax.plot([p[0] for p in points], [p[1] for p in points], label=label)
    return len(spec.runs)


def _draw_bands(
    ax: t.Any, spec: FigureSpec, lab: LabSpec, results: t.Mapping[str, RunResult]
) -> int:
    """Per grid point: the mean over seeds as a line, ±1 sample std as a shaded band.

    Diverged runs are left out of the mean and counted in the legend. Returns the number of
    curves.
    """
    curves = 0
    for group in spec.groups:
        for _, run_ids in points(lab, group):
            runs = [results[r] for r in run_ids]
            ok = [r.series.get(spec.series, []) for r in runs if r.status == "ok"]
            label = lab.run(run_ids[0]).label
            if len(ok) < len(runs):
                label += f"（{len(runs) - len(ok)}/{len(runs)} 次发散）"
            steps, means, stds = mean_band(ok)
            (line,) = ax.plot(steps, means, label=label)
            if len(ok) > 1:
                low = [max(m - s, m * 1e-3) for m, s in zip(means, stds, strict=True)]
                high = [m + s for m, s in zip(means, stds, strict=True)]
                ax.fill_between(
                    steps, low, high, color=line.get_color(), alpha=0.2, linewidth=0
                )
            curves += 1
    return curves


def _plain_log_axis(ax: t.Any) -> None:
    """Log-scale y axis with ticks at 1, 2, 5 × 10^k printed as plain numbers (not 2×10¹)."""
    from matplotlib import ticker

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def matplotlib_style() -> t.ContextManager[None]:
    import matplotlib.pyplot as plt

    return plt.rc_context(STYLE)  # type: ignore[arg-type]
