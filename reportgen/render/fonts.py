"""Finding the CJK fonts the report needs and registering them with matplotlib.

The report uses Noto CJK (Debian package ``fonts-noto-cjk``): it has real bold faces and the
U+2212 minus sign; smaller CJK fonts lack one or the other (see docs/decisions.md).
"""

from __future__ import annotations

import bisect
import functools
import subprocess
import unicodedata
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
    """Reset matplotlib to its defaults, register the CJK sans font and make it the first
    sans-serif family.

    The font is added by file: a font cache built before the font was installed would otherwise
    silently fall back to DejaVu and draw Chinese as boxes. Once per process: it asks
    fontconfig four times, and a build draws several figures.
    """
    import matplotlib
    from matplotlib import font_manager

    require_fonts()
    # matplotlib's own defaults, whatever matplotlibrc it found (a project folder's, the
    # user's): figures are a function of the results and render.figures.STYLE alone
    matplotlib.rcdefaults()
    for path in font_files(SANS):
        font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [SANS, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = True  # Noto CJK has U+2212


# characters Pango draws as nothing rather than from a font: HTML white space, format
# characters (zero-width joiners, soft hyphen, bidi marks) and variation selectors
_HTML_SPACE = set(" \t\n\r\f")
_VARIATION_SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


@functools.cache
def _coverage() -> tuple[list[int], list[int]] | None:
    """What the report's fonts and fontconfig's fallbacks for them can draw, as sorted
    disjoint ranges (starts, ends); None when fontconfig cannot be asked."""
    ranges = []
    for family in FONT_PACKAGES:
        try:
            out = subprocess.run(
                ["fc-match", "--sort", family, "--format", "%{charset} "],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
        for item in out.split():  # "20-7e a0-17f 2212 …", hexadecimal
            first, _, last = item.partition("-")
            ranges.append((int(first, 16), int(last or first, 16)))
    starts: list[int] = []
    ends: list[int] = []
    for low, high in sorted(ranges):
        if starts and low <= ends[-1] + 1:
            ends[-1] = max(ends[-1], high)
        else:
            starts.append(low)
            ends.append(high)
    return starts, ends


def _drawn_without_a_font(ch: str) -> bool:
    point = ord(ch)
    return (
        ch in _HTML_SPACE
        or unicodedata.category(ch) == "Cf"
        or any(low <= point <= high for low, high in _VARIATION_SELECTORS)
    )


def undrawable(text: str) -> list[str]:
    """The distinct characters of ``text`` that no installed font has (they would print as
    boxes, and the PDF step refuses them), in order of first appearance."""
    coverage = _coverage()
    if coverage is None:  # no fontconfig: require_fonts() has said so already
        return []
    starts, ends = coverage
    missing = []
    for ch in dict.fromkeys(text):
        if _drawn_without_a_font(ch):
            continue
        i = bisect.bisect_right(starts, ord(ch)) - 1
        # Pango draws U+2028/U+2029 as .notdef even where a font has them
        separator = unicodedata.category(ch) in ("Zl", "Zp")
        if separator or i < 0 or ord(ch) > ends[i]:
            missing.append(ch)
    return missing


def describe(ch: str) -> str:
    """``U+13000 (EGYPTIAN HIEROGLYPH A001)``: a character as a message names it."""
    unnamed = {"Cc": "a control character", "Co": "a private-use character"}
    name = unicodedata.name(
        ch, unnamed.get(unicodedata.category(ch), "an unassigned code point")
    )
    return f"U+{ord(ch):04X} ({name})"
