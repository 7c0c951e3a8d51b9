"""Figures as pure functions of stored results: matplotlib (Agg) to PNG files at 200 dpi.

Style lives in :data:`STYLE`; changing it changes figures only, never a run key.
PNG rather than SVG: matplotlib's SVG draws every letter as a path, and WeasyPrint spent
~0.2 s laying out each such figure again on every re-render (lab4: 1 s of a 7 s notes
edit); a 200 dpi PNG costs it ~0.02 s and prints sharp (docs/performance.md).
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import dataclasses
import functools
import multiprocessing
import os
import re
import typing as t
import warnings
from pathlib import Path

from reportgen.errors import RenderError
from reportgen.lab import FigureSpec, LabSpec
from reportgen.lang import lang
from reportgen.store import RunResult, canonical_json, write_atomic_with
from reportgen.workers import starting_workers, worker_init

PLOTS = Path(__file__).with_name("plots.py")
# a figure's file: '<figure id>-<16 hex digits of its inputs>.png'
FIGURE_FILE = re.compile(r"^[A-Za-z0-9_-]+-[0-9a-f]{16}\.png\Z")
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


@dataclasses.dataclass(frozen=True)
class FigureFiles:
    """Where each figure of a report lives, and which of them must still be drawn."""

    folder: Path
    paths: dict[str, str]  # figure id -> path relative to the report
    missing: tuple[str, ...]  # ids of the figures whose file does not exist yet
    mark: str = ""  # written across every figure of a preview (:func:`figure_files`)


def figure_files(
    lab: LabSpec, results: t.Mapping[str, RunResult], out_dir: Path, mark: str = ""
) -> FigureFiles:
    """Name every figure's file after the digest of its inputs.

    The digest covers the figure's spec, the runs' series, labels and statuses, the style,
    the ``mark`` written across it (a preview's: a figure copied out of a preview report
    still says what it is) and the matplotlib version, so a figure whose file exists is
    current and is not drawn again; a new version gets a new name beside the old one, which
    the report in place may still show (see :func:`remove_old_figures`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)  # the build checked it is no link
    names = {
        spec.id: f"{spec.id}-{_inputs_digest(spec, lab, results, mark)[:16]}.png"
        for spec in lab.figures
    }
    missing = tuple(i for i, name in names.items() if not (out_dir / name).is_file())
    paths = {i: f"{out_dir.name}/{name}" for i, name in names.items()}
    return FigureFiles(out_dir, paths, missing, mark)


def remove_old_figures(files: FigureFiles) -> None:
    """Delete the older versions of this lab's figures (names reportgen gives, see
    :data:`FIGURE_FILE`, with one of the lab's figure ids) in the figures' folder, once the
    report showing ``files`` is in place. Other files are left alone."""
    current = {Path(path).name for path in files.paths.values()}
    for old in files.folder.iterdir():
        if (
            FIGURE_FILE.match(old.name)
            and old.name.rsplit("-", 1)[0] in files.paths
            and old.name not in current
        ):
            old.unlink()  # a link goes, never what it points to


def draw_figures(
    lab: LabSpec, results: t.Mapping[str, RunResult], files: FigureFiles
) -> None:
    """Draw the figures ``files`` lacks, each written atomically to its file."""
    for spec in lab.figures:
        if spec.id not in files.missing:
            continue
        try:
            png = _draw(spec, lab, results, files.mark)
        except Exception as exc:
            raise RenderError(
                f"Error rendering figure '{spec.id}' ({lab.id}): {exc}"
            ) from exc
        path = files.folder.parent / files.paths[spec.id]
        write_atomic_with(path, functools.partial(_write_bytes, png))


class BackgroundFigures:
    """Draws the missing figures in a worker process while the caller writes the report.

    A figure-style change redraws every figure (matplotlib's import and ~0.3 s a figure);
    meanwhile the main process renders the template, converts the Markdown and imports and
    prepares WeasyPrint, which needs the images only when it builds the page boxes. On two
    cores the two halves overlap (docs/performance.md). :meth:`wait` returns once every file
    exists and raises the worker's error, if any.
    """

    def __init__(
        self, lab: LabSpec, results: t.Mapping[str, RunResult], files: FigureFiles
    ) -> None:
        self._folder = files.folder.resolve()  # as the PDF's fetcher names files
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._drawing: concurrent.futures.Future[None] | None = None
        if files.missing:
            spawn = multiprocessing.get_context("spawn")
            at_folder = dataclasses.replace(files, folder=self._folder)
            try:
                with starting_workers():  # the pool's locks and the worker start here
                    self._pool = concurrent.futures.ProcessPoolExecutor(
                        1,
                        mp_context=spawn,
                        initializer=_figure_worker_init,
                        initargs=(os.getpid(), self._folder),
                    )
                    self._drawing = self._pool.submit(
                        draw_figures, lab, dict(results), at_folder
                    )
            except BaseException:  # a signal held while the worker started: stop it
                self.close(stop=True)
                raise

    def wait(self) -> None:
        """Return once the figures are drawn; raise the drawing's error (every call)."""
        if self._drawing is not None:
            try:
                self._drawing.result()
            except BaseException as exc:  # also Ctrl-C while waiting: stop drawing
                self.close(stop=True)
                if isinstance(exc, concurrent.futures.process.BrokenProcessPool):
                    raise RenderError(
                        "The process drawing the figures stopped before it finished"
                        " (killed, or out of memory?); build again."
                    ) from None
                raise
            self.close()

    def wait_for(self, path: Path) -> None:
        """Wait only when ``path`` is one of the figures (as the PDF's fetcher asks)."""
        if path.parent == self._folder:
            self.wait()

    def __enter__(self) -> BackgroundFigures:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.close(stop=exc_type is not None)

    def close(self, stop: bool = False) -> None:
        """End the worker: once it has drawn the figures, or at once with ``stop`` (the
        report failed or was interrupted, and a figure drawn now would go unused)."""
        if self._pool is not None:
            if stop:
                for worker in list(self._pool._processes.values()):
                    worker.terminate()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _figure_worker_init(parent: int, folder: Path) -> None:
    """The figure worker works in the figures' folder: matplotlib reads a ``matplotlibrc``
    from the working directory at import, and the project folder may hold a hostile one."""
    worker_init(parent)
    os.chdir(folder)


def _write_bytes(data: bytes, file: t.BinaryIO) -> None:
    file.write(data)


def _inputs_digest(
    spec: FigureSpec, lab: LabSpec, results: t.Mapping[str, RunResult], mark: str
) -> str:
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
        "mark": mark,
        # the words a figure may print besides the spec's: divergence in its language
        "lang": {
            k: v for k, v in lang(lab.lang).messages.items() if k.startswith("plot.")
        }
        | {"value.diverged": lang(lab.lang)("value.diverged")},
        # drawing code changes redraw
        "code": [Path(__file__).read_text("utf-8"), PLOTS.read_text("utf-8")],
        "matplotlib": importlib.metadata.version("matplotlib"),
    }
    return hashlib.sha256(canonical_json(inputs).encode()).hexdigest()


def _draw(
    spec: FigureSpec, lab: LabSpec, results: t.Mapping[str, RunResult], mark: str
) -> bytes:
    """The figure as PNG bytes, drawn by the function its kind names (render/plots.py),
    with ``mark`` (if any) written across it."""
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
        if mark:
            plots.watermark(fig, mark)
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
