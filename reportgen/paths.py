"""Where the project's folders are: experiments, labs, templates, data and the build folder.

The *shipped* files (experiments, lab specs, templates, corpora) lie beside the package in a
checkout (``pip install -e .``) and inside it, as ``reportgen/shipped/``, in an installed
wheel (setup.py copies them there). A student's *work folder* (the folder reportgen runs
from; ``reportgen init``) may hold its own ``experiments/`` and ``labs/`` (``init --eject``):
a file there takes the place of the shipped file of the same name (docs/workspace.md).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_IN_WHEEL = PACKAGE_DIR / "shipped"
SHIPPED_ROOT = _IN_WHEEL if _IN_WHEEL.is_dir() else PACKAGE_DIR.parent
EXPERIMENTS_DIR = SHIPPED_ROOT / "experiments"
LABS_DIR = SHIPPED_ROOT / "labs"
TEMPLATES_DIR = SHIPPED_ROOT / "templates"
DATA_DIR = SHIPPED_ROOT / "data"
VIEWS_DIR = PACKAGE_DIR / "views"
DEFAULT_BUILD_DIR = Path("build")
COURSE_LANG = (
    "zh"  # reportgen.lang.DEFAULT_LANG: a report in it has no folder of its own
)


def own_folder(shipped: Path) -> Path | None:
    """The work folder's own copy of the shipped folder ``shipped`` (``experiments`` or
    ``labs``), or None where it has none (or it *is* the shipped one: a checkout)."""
    own = Path.cwd() / shipped.name
    if own.is_dir() and own.resolve() != shipped.resolve():
        return own
    return None


def experiment_files(directory: Path | None = None) -> list[Path]:
    """The experiment files to load: ``directory``'s, or the shipped ones with the work
    folder's own files in place of those of the same name (:func:`own_folder`)."""
    folders = [directory] if directory else [EXPERIMENTS_DIR, own_folder(EXPERIMENTS_DIR)]
    by_name = {p.name: p for folder in folders if folder for p in folder.glob("*.py")}
    return [by_name[name] for name in sorted(by_name)]


def is_own(path: Path) -> bool:
    """Whether ``path`` is the work folder's own file rather than a shipped one."""
    return path.resolve().parent not in (EXPERIMENTS_DIR, LABS_DIR)


def shown_path(path: Path) -> str:
    """A file's name in keys, records and listings: the same for the same file wherever
    reportgen is installed — ``experiments/…`` (shipped or the work folder's own),
    ``reportgen/…``, else relative to the work folder, else absolute."""
    resolved = path.resolve()
    for root, prefix in (
        (SHIPPED_ROOT, ""),
        (PACKAGE_DIR, "reportgen/"),
        (Path.cwd().resolve(), ""),
    ):
        if resolved.is_relative_to(root):
            return prefix + resolved.relative_to(root).as_posix()
    return str(path)


def report_dir(build_dir: Path, lab_id: str, lang: str = COURSE_LANG) -> Path:
    """Where a lab's report is written: ``<build>/<lab>/``, and ``<build>/<lab>/<lang>/``
    for a report in another language than the course's (same file names: both
    languages of one report lie side by side)."""
    folder = build_dir / lab_id
    return folder if lang == COURSE_LANG else folder / lang


def build_dir_of(report_folder: Path, lang: str = COURSE_LANG) -> Path:
    """The build folder a report folder of :func:`report_dir` lies in."""
    return report_folder.parent if lang == COURSE_LANG else report_folder.parent.parent
