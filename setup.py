"""Packaging hook: a wheel carries the shipped files inside the package.

experiments/, labs/, templates/ and data/ lie beside reportgen/ in the repository, where a
student reads and edits them. An installed wheel has no repository beside it, so ``build_py``
copies them to ``reportgen/shipped/``, where :mod:`reportgen.paths` looks first. An editable
install (``pip install -e .``) reads them in place and copies nothing. Everything else is in
pyproject.toml. Intermediate files go to ``.wheel-build/``, not to ``build/`` (reportgen's
own build folder).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("experiments", "labs", "templates", "data")


class BuildWithShippedFiles(build_py):
    """``build_py`` that also copies the shipped folders into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "reportgen" / "shipped"
        shutil.rmtree(target, ignore_errors=True)  # no file left from an earlier build
        for folder in SHIPPED:
            shutil.copytree(
                folder, target / folder, ignore=shutil.ignore_patterns("__pycache__")
            )


setup(
    cmdclass={"build_py": BuildWithShippedFiles},
    options={"build": {"build_base": ".wheel-build"}},
)
