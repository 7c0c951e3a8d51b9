"""What benchmarks/gpu.sh needs on a GPU machine that reaches no network, into
benchmarks/gpu-carry/ (git-ignored; the device tool carries it):

    .venv/bin/python benchmarks/gpu_prepare.py

- wheels/: reportgen's dependencies that a CUDA image lacks (nh3, opencc, ziamath and its
  two, pypdf, python-docx), for its Python (3.12, x86_64 Linux), from the package index;
- fonts/: the four Noto CJK SC faces the report uses, cut down to the characters this
  repository's labs, templates, messages and corpora contain (the full faces are 93 MB,
  more than a device call may carry), plus DejaVu Sans Mono, with their family names kept,
  so fontconfig finds them under the names reportgen asks for.
"""

from __future__ import annotations

import shutil
import string
import subprocess
import sys
from pathlib import Path

from fontTools import subset, ttLib

from reportgen.render.fonts import MONO, SANS, SERIF, font_files

PROJECT = Path(__file__).resolve().parents[1]
CARRY = PROJECT / "benchmarks" / "gpu-carry"
WHEELS = ["nh3", "opencc", "ziamath", "ziafont", "latex2mathml", "pypdf", "python-docx"]
TEXT_FOLDERS = ["templates", "labs", "data", "reportgen", "experiments"]
TEXT_SUFFIXES = {".j2", ".toml", ".txt", ".md", ".py", ".json", ".tsv", ".csv"}


def download_wheels(python: str = "3.12") -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        + ["--only-binary=:all:", "--python-version", python]
        + ["--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64"]
        + ["--dest", str(CARRY / "wheels"), *WHEELS],
        check=True,
    )


def repository_characters() -> str:
    """Every character of the repository's text files, and printable ASCII."""
    found = set(string.printable)
    for folder in TEXT_FOLDERS:
        for path in (PROJECT / folder).rglob("*"):
            if path.suffix in TEXT_SUFFIXES and path.is_file():
                found |= set(path.read_text(encoding="utf-8", errors="ignore"))
    return "".join(sorted(c for c in found if c.isprintable() or c == " "))


def face_number(source: Path, family: str) -> int:
    """The index of ``family``'s face in the collection ``source`` (0: a single font)."""
    if source.suffix.lower() != ".ttc":
        return 0
    faces = ttLib.TTCollection(str(source)).fonts
    names = [face["name"].getDebugName(1) for face in faces]
    return names.index(family)


def cut_font(source: Path, number: int, characters: str, target: Path) -> None:
    """``source``'s face ``number`` with only ``characters``, names and layout kept."""
    options = subset.Options()
    options.font_number = number
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


def main() -> None:
    shutil.rmtree(CARRY, ignore_errors=True)
    (CARRY / "fonts").mkdir(parents=True)
    download_wheels()
    characters = repository_characters()
    for family in (SANS, SERIF):
        for source in font_files(family):  # Regular and Bold, .ttc collections
            target = CARRY / "fonts" / (source.stem + "-SC.otf")
            cut_font(source, face_number(source, family), characters, target)
    for source in font_files(MONO):
        shutil.copy(source, CARRY / "fonts" / source.name)
    size = sum(p.stat().st_size for p in CARRY.rglob("*") if p.is_file())
    print(f"{CARRY}: {len(characters)} characters, {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
