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
