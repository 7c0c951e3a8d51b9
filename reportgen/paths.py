"""Where the project's folders are: experiments, labs, templates, data and the build folder.

reportgen runs from a checkout (``pip install -e .``): experiments, lab specs, templates and
corpora are plain files beside the package, so a student can read and edit them.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS_DIR = PROJECT_ROOT / "experiments"
LABS_DIR = PROJECT_ROOT / "labs"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
VIEWS_DIR = PROJECT_ROOT / "reportgen" / "views"
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_BUILD_DIR = Path("build")
COURSE_LANG = (
    "zh"  # reportgen.lang.DEFAULT_LANG: a report in it has no folder of its own
)


def report_dir(build_dir: Path, lab_id: str, lang: str = COURSE_LANG) -> Path:
    """Where a lab's report is written: ``<build>/<lab>/``, and ``<build>/<lab>/<lang>/``
    for a report in another language than the course's (same file names: both
    languages of one report lie side by side)."""
    folder = build_dir / lab_id
    return folder if lang == COURSE_LANG else folder / lang


def build_dir_of(report_folder: Path, lang: str = COURSE_LANG) -> Path:
    """The build folder a report folder of :func:`report_dir` lies in."""
    return report_folder.parent if lang == COURSE_LANG else report_folder.parent.parent
