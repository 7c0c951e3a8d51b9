"""The drawing of each figure kind (see :class:`reportgen.lab.FigureSpec`).

Every drawer takes the spec, the lab and the stored results and returns a matplotlib figure;
:mod:`reportgen.render.figures` handles style, fonts, caching and the SVG file.
"""

from __future__ import annotations

import math
import typing as t

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from reportgen.aggregate import mean_band, metric_spread, points
from reportgen.lab import FigureSpec, LabSpec
from reportgen.lang import lang
from reportgen.store import RunResult

Results = t.Mapping[str, RunResult]


def _whole_steps(ax: t.Any) -> None:
    """Ticks of an epoch or step axis at whole numbers only (3 epochs: 1, 2, 3, not 1.25)."""
    from matplotlib import ticker

    ax.xaxis.set_major_locator(
        ticker.MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10])
    )


def curves(spec: FigureSpec, lab: LabSpec, results: Results) -> Figure:
    """The first series: a line per run, or a mean ± std band per grid point of groups."""
    fig, ax = plt.subplots()
    if spec.groups:
        count = _draw_bands(ax, spec, lab, results)
    else:
        count = _draw_lines(ax, spec, lab, results)
    _whole_steps(ax)
    _finish(ax, spec)
    if count > 3:  # many curves: legend below the axes, never over them
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    elif count > 1:
        ax.legend(loc="best")
    fig.tight_layout()
    return fig


def _draw_lines(ax: t.Any, spec: FigureSpec, lab: LabSpec, results: Results) -> int:
    """One line per run; a diverged run says at which step. Returns the number of curves."""
    for run_id in spec.runs:
        result = results[run_id]
        steps, values = _xy(result.series.get(spec.series[0], []))
        ax.plot(steps, values, label=_run_label(lab, result, run_id))
    return len(spec.runs)


def _draw_bands(ax: t.Any, spec: FigureSpec, lab: LabSpec, results: Results) -> int:
    """Per grid point: the mean over seeds as a line, ±1 sample std as a shaded band.

    Diverged runs are left out of the mean and counted in the legend. Returns the number of
    curves.
    """
    count = 0
    for group in spec.groups:
        for _, run_ids in points(lab, group):
            runs = [results[r] for r in run_ids]
            ok = [r.series.get(spec.series[0], []) for r in runs if r.status == "ok"]
            label = lab.run(run_ids[0]).label
            if len(ok) < len(runs):
                label += lang(lab.lang)(
                    "plot.diverged_seeds", n=len(runs) - len(ok), total=len(runs)
                )
            steps, means, stds = mean_band(ok)
            (line,) = ax.plot(steps, means, label=label)
            if len(ok) > 1:
                low = [max(m - s, m * 1e-3) for m, s in zip(means, stds, strict=True)]
                high = [m + s for m, s in zip(means, stds, strict=True)]
                ax.fill_between(
                    steps, low, high, color=line.get_color(), alpha=0.2, linewidth=0
                )
            count += 1
    return count


def panels(spec: FigureSpec, lab: LabSpec, results: Results) -> Figure:
    """Small multiples: one plot per run with every series of the spec, shared y axis."""
    run_ids = lab.figure_runs(spec)
    columns = min(len(run_ids), 4)
    rows = math.ceil(len(run_ids) / columns)
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(6.4, 0.4 + 1.9 * rows),
        sharey=True,
        squeeze=False,
    )
    for ax, run_id in zip(axes.flat, run_ids, strict=False):
        result = results[run_id]
        for i, name in enumerate(spec.series):
            steps, values = _xy(result.series.get(name, []))
            width = 1.1 if len(steps) < 300 else 0.5  # thousands of steps: thin lines
            ax.plot(steps, values, label=_series_label(spec, i), linewidth=width)
        ax.set_title(_run_label(lab, result, run_id), fontsize=9)
        ax.tick_params(labelsize=7)
        _whole_steps(ax)
        if spec.logy:
            _plain_log_axis(ax)
    for ax in axes.flat[len(run_ids) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(spec.ylabel, fontsize=8)
    for ax in axes[-1, :]:
        ax.set_xlabel(spec.xlabel, fontsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=len(labels), bbox_to_anchor=(0.5, 0)
    )
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def by_value(spec: FigureSpec, lab: LabSpec, results: Results) -> Figure:
    """Metrics against a grid value: a line per group and series (solid, then dashed …)."""
    fig, ax = plt.subplots()
    styles = ["-", "--", ":", "-."]
    for g, group in enumerate(spec.groups):
        color = f"C{g}"
        name = spec.legend[g] if g < len(spec.legend) else group
        for i, metric in enumerate(spec.series):
            xs, ys = [], []
            for point, run_ids in points(lab, group):
                xs.append(point[spec.x])
                ys.append(_mean_metric(results, run_ids, metric))
            label = lang(lab.lang)(
                "plot.series", name=name, series=_series_label(spec, i)
            )
            ax.plot(xs, ys, styles[i % 4], color=color, marker="o", ms=3, label=label)
    _finish(ax, spec)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    fig.tight_layout()
    return fig


def heatmap(spec: FigureSpec, lab: LabSpec, results: Results) -> Figure:
    """The first series (a metric) of one group over its grid: x × y, values written in."""
    found = points(lab, spec.groups[0])
    xs = list(dict.fromkeys(point[spec.x] for point, _ in found))
    ys = list(dict.fromkeys(point[spec.y] for point, _ in found))
    grid = [[math.nan] * len(xs) for _ in ys]
    for point, run_ids in found:
        value = _mean_metric(results, run_ids, spec.series[0])
        grid[ys.index(point[spec.y])][xs.index(point[spec.x])] = value
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.45 * len(ys)))
    image = ax.imshow(grid, cmap="viridis", aspect="auto", vmin=0.0, vmax=1.0)
    for row, cells in enumerate(grid):
        for column, value in enumerate(cells):
            text = (
                lang(lab.lang)("value.diverged")
                if math.isnan(value)
                else f"{value:.2f}"
            )
            shade = "white" if math.isnan(value) or value < 0.6 else "black"
            ax.text(
                column, row, text, ha="center", va="center", fontsize=8, color=shade
            )
    ax.set_xticks(range(len(xs)), [f"{x:g}" for x in xs])
    ax.set_yticks(range(len(ys)), [f"{y:g}" for y in ys])
    ax.grid(False)
    ax.set_xlabel(spec.xlabel)
    ax.set_ylabel(spec.ylabel)
    fig.colorbar(image, ax=ax, label=_series_label(spec, 0), fraction=0.04)
    fig.tight_layout()
    return fig


def bars(spec: FigureSpec, lab: LabSpec, results: Results) -> Figure:
    """The first series of the first run as bars: a histogram recorded as (bin, count)."""
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    steps, values = _xy(results[spec.runs[0]].series.get(spec.series[0], []))
    width = (
        min(b - a for a, b in zip(steps, steps[1:], strict=False))
        if len(steps) > 1
        else 1
    )
    ax.bar(steps, values, width=0.85 * width, align="edge", color="C0")
    _finish(ax, spec)
    ax.grid(axis="x", visible=False)
    fig.tight_layout()
    return fig


DRAWERS: dict[str, t.Callable[[FigureSpec, LabSpec, Results], Figure]] = {
    "curves": curves,
    "bars": bars,
    "panels": panels,
    "by_value": by_value,
    "heatmap": heatmap,
}


def _xy(series: t.Sequence[t.Sequence[float]]) -> tuple[list[float], list[float]]:
    return [p[0] for p in series], [p[1] for p in series]


def _mean_metric(results: Results, run_ids: t.Sequence[str], metric: str) -> float:
    """Mean of a metric over the finished runs (NaN when none finished)."""
    return metric_spread([results[r] for r in run_ids], metric).mean


def _run_label(lab: LabSpec, result: RunResult, run_id: str) -> str:
    label = lab.run(run_id).label
    if result.status == "diverged":
        label += lang(lab.lang)("plot.diverged_at", at=result.diverged_at)
    return label


def _series_label(spec: FigureSpec, i: int) -> str:
    return spec.series_labels[i] if i < len(spec.series_labels) else spec.series[i]


def _finish(ax: t.Any, spec: FigureSpec) -> None:
    if spec.logy:
        _plain_log_axis(ax)
    ax.set_xlabel(spec.xlabel)
    ax.set_ylabel(spec.ylabel)
    if spec.title:
        ax.set_title(spec.title)


def _plain_log_axis(ax: t.Any) -> None:
    """Log-scale y axis with ticks at 1, 2, 5 × 10^k printed as plain numbers (not 2×10¹)."""
    from matplotlib import ticker

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def watermark(fig: Figure, text: str) -> None:
    """``text`` across the middle of ``fig``, large, red and faint: the data stay legible."""
    fig.text(
        0.5,
        0.5,
        text,
        transform=fig.transFigure,
        ha="center",
        va="center",
        rotation=12,
        fontsize=26,
        fontweight="bold",
        color="#b00020",
        alpha=0.22,
        zorder=10,
    )
