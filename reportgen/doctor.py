"""``reportgen doctor``: is this machine ready to build reports? Each check says how to fix it."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import io

from reportgen.paths import DATA_DIR
from reportgen.render import fonts


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks() -> list[Check]:
    return [_torch(), *_fonts(), _matplotlib_font(), _weasyprint(), *_data_files()]


def _torch() -> Check:
    try:
        import torch
    except ImportError as exc:
        return Check(
            "torch", False, str(exc), "bash scripts/setup.sh  (installs torch==2.13.0)"
        )
    cuda = torch.cuda.is_available()
    device = (
        f"CUDA ({torch.cuda.get_device_name(0)})"
        if cuda
        else "CPU only (no CUDA device)"
    )
    return Check(
        "torch",
        True,
        f"{torch.__version__}, {device}, {torch.get_num_threads()} threads",
    )


def _fonts() -> list[Check]:
    checks = []
    for family, package in fonts.FONT_PACKAGES.items():
        files = fonts.font_files(family)
        checks.append(
            Check(
                f"font {family}",
                bool(files),
                str(files[0]) if files else "not found by fontconfig",
                f"sudo apt-get install {package}",
            )
        )
    return checks


def _matplotlib_font() -> Check:
    import warnings

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fonts.setup_matplotlib()
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
            fig = plt.figure()
            fig.text(0.5, 0.5, "困惑度 −1")
            fig.savefig(io.BytesIO(), format="svg")
            plt.close(fig)
    except Exception as exc:  # any failure here means figures cannot be drawn
        return Check(
            "matplotlib CJK",
            False,
            str(exc).splitlines()[0],
            "sudo apt-get install fonts-noto-cjk",
        )
    return Check(
        "matplotlib CJK",
        True,
        f"matplotlib {matplotlib.__version__} draws 困惑度 with {fonts.SANS}",
    )


def _weasyprint() -> Check:
    try:
        version = importlib.metadata.version("weasyprint")
        import weasyprint  # noqa: F401  (loads Pango)
    except Exception as exc:
        return Check(
            "weasyprint/pango",
            False,
            str(exc).splitlines()[0],
            "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
        )
    return Check(
        "weasyprint/pango",
        True,
        f"weasyprint {version}, Pango loaded",
    )


def _data_files() -> list[Check]:
    """Each shipped file against data/checksums.sha256 (the values in data/SOURCES.md)."""
    from reportgen.store import sha256_file

    checks = []
    listing = (DATA_DIR / "checksums.sha256").read_text(encoding="utf-8")
    for line in listing.splitlines():
        digest, name = line.split(maxsplit=1)
        path = DATA_DIR / name.lstrip("*")
        if not path.is_file():
            detail = "missing"
        elif sha256_file(path) != digest:
            detail = "sha256 differs from data/checksums.sha256"
        else:
            detail = "sha256 matches data/SOURCES.md"
        checks.append(
            Check(
                f"data {path.name}",
                detail.startswith("sha256 matches"),
                detail,
                f"git checkout -- data/{path.name}",
            )
        )
    return checks
