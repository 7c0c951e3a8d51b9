"""Finding the CJK fonts the report needs and registering them with matplotlib.

The report uses Noto CJK (Debian package ``fonts-noto-cjk``): it has real bold faces and the
U+2212 minus sign; smaller CJK fonts lack one or the other (see docs/decisions.md).
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from reportgen.errors import EnvironmentProblem

SANS = "Noto Sans CJK SC"
SERIF = "Noto Serif CJK SC"
MONO = "DejaVu Sans Mono"
FONT_PACKAGES = {
    SANS: "fonts-noto-cjk",
    SERIF: "fonts-noto-cjk",
    MONO: "fonts-dejavu-core",
}


def font_files(family: str) -> list[Path]:
    """Files fontconfig knows for exactly this family (no fallback substitution)."""
    try:
        out = subprocess.run(
            ["fc-list", f":family={family}", "file"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return sorted(
        Path(line.split(":")[0].strip()) for line in out.splitlines() if line.strip()
    )


def missing_fonts() -> list[str]:
    """Families the report needs that fontconfig cannot find."""
    return [family for family in FONT_PACKAGES if not font_files(family)]


def require_fonts() -> None:
    """Raise a one-line error naming the package to install when a needed font is missing."""
    missing = missing_fonts()
    if missing:
        packages = sorted({FONT_PACKAGES[f] for f in missing})
        raise EnvironmentProblem(
            f"Font {missing[0]!r} is not installed, so Chinese text would print as boxes; "
            f"install it with: sudo apt-get install {' '.join(packages)}"
        )


@functools.cache
def setup_matplotlib() -> None:
    """Register the CJK sans font with matplotlib and make it the first sans-serif family.

    The font is added by file: a font cache built before the font was installed would otherwise
    silently fall back to DejaVu and draw Chinese as boxes. Once per process: it asks
    fontconfig four times, and a build draws several figures.
    """
    import matplotlib
    from matplotlib import font_manager

    require_fonts()
    for path in font_files(SANS):
        font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [SANS, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = True  # Noto CJK has U+2212
