"""``reportgen clean`` (a lab's reports) and ``reportgen gc`` (cache entries nothing uses).

Both delete only what reportgen made, in a build folder reportgen made (its marker file):

- ``clean LAB`` removes the lab's reports (every language, course and preview), each only
  where its PDF or Markdown carries reportgen's record (:func:`withdraw.withdraw_report`),
  the manifests and PDF digests beside them, and the figure and formula files reportgen
  names. Training results stay in the cache: a rebuild renders them again in seconds.
- ``gc`` removes the cache entries that neither the last build of any lab and profile
  (``cache/latest/``) nor the plan a plain build of any shipped lab would make now (course
  and quick, with the choices made from stored results) uses, and checkpoints of unfinished
  runs of such keys. A result a ``--set`` build made stays until another build of that lab
  and profile replaces it as the latest. Older builds that ``diff`` remembers are not kept
  for it: after ``gc``, ``diff`` says that their results are gone.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import typing as t
from pathlib import Path

from reportgen.errors import ReportgenError
from reportgen.safety import BUILD_MARKER
from reportgen.store import RESULT_FILE

if t.TYPE_CHECKING:
    from reportgen.lab import LabSpec
    from reportgen.safety import Roots
    from reportgen.store import RunResult, Store

# a report's files as reportgen names them (reportgen.pipeline.report_basename)
_REPORT = re.compile(r"^(?P<base>.+-Lab-\d+(?:-preview)?)\.(?:md|pdf)\Z")
_MANIFEST = re.compile(r"^\.build-[A-Za-z0-9_-]{1,32}\.json\Z")
_PDF_DIGEST = re.compile(r"^\..+-Lab-\d+(?:-preview)?\.pdf\.inputs\Z")
_FIGURE = re.compile(r"^[A-Za-z0-9_-]+-[0-9a-f]{16}\.png\Z")  # render.figures.FIGURE_FILE
_FORMULA = re.compile(r"^[0-9a-f]{16}\.svg\Z")  # render.math's formula files
_KEY = re.compile(r"^[0-9a-f]{64}\Z")


@dataclasses.dataclass
class Removed:
    """What a clean-up deleted, and what it left because it is not reportgen's."""

    files: int = 0
    bytes: int = 0
    kept: list[Path] = dataclasses.field(default_factory=list)

    def delete(self, path: Path) -> None:
        """Delete the file ``path`` (a link goes, never what it points to)."""
        self.bytes += path.lstat().st_size
        path.unlink()
        self.files += 1

    def delete_tree(self, folder: Path) -> None:
        """Delete the folder ``folder`` (no link: checked by the caller) and what it holds."""
        self.bytes += sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file())
        self.files += sum(1 for p in folder.rglob("*") if not p.is_dir())
        shutil.rmtree(folder)

    def line(self, what: str) -> str:
        mb = self.bytes / 2**20
        kept = (
            f"; left {len(self.kept)} file(s) reportgen did not make:"
            f" {', '.join(str(p) for p in self.kept[:5])}"
            if self.kept
            else ""
        )
        return f"Removed {self.files} file(s) of {what}, {mb:.1f} MB{kept}."


def require_build_dir(build_dir: Path) -> None:
    """A folder reportgen made (its marker): else nothing there is reportgen's to delete."""
    if not (build_dir / BUILD_MARKER).is_file():
        raise ReportgenError(
            f"{build_dir} is not a reportgen build folder (no {BUILD_MARKER}): nothing to"
            " remove."
        )


def clean_lab(build_dir: Path, lab_id: str) -> Removed:
    """Remove the reports of ``lab_id`` from ``build_dir`` (see the module's docstring)."""
    from reportgen.lang import DEFAULT_LANG, LANGS
    from reportgen.render.formats import FORMATS
    from reportgen.render.report import report_files
    from reportgen.withdraw import withdraw_report

    require_build_dir(build_dir)
    removed = Removed()
    top = build_dir / lab_id
    if not top.is_dir() or top.is_symlink():
        return removed
    others = [top / lang for lang in LANGS if lang != DEFAULT_LANG]
    folders = [top] + [p for p in others if p.is_dir() and not p.is_symlink()]
    for folder in folders:  # the course's language, and one folder per other language
        bases = {m["base"] for p in folder.iterdir() if (m := _REPORT.match(p.name))}
        for base in sorted(bases):
            family = report_files(folder, base, FORMATS)
            sizes = {p: p.lstat().st_size for p in family.values() if p.is_file()}
            for path in withdraw_report(family):
                removed.files += 1
                removed.bytes += sizes[path]
        for path in list(folder.iterdir()):
            if path.is_file() and (
                _MANIFEST.match(path.name) or _PDF_DIGEST.match(path.name)
            ):
                removed.delete(path)
        for sub in list(folder.iterdir()):
            pattern = _FIGURE if sub.name.startswith("figures") else _FORMULA
            if sub.is_dir() and not sub.is_symlink() and sub.name in _OWN_FOLDERS:
                for path in list(sub.iterdir()):
                    if path.is_file() and pattern.match(path.name):
                        removed.delete(path)
                _remove_if_empty(sub)
    for folder in reversed(folders):
        removed.kept += [p for p in folder.iterdir() if not p.is_dir()]
        _remove_if_empty(folder)
    return removed


_OWN_FOLDERS = ("figures", "figures-preview", "math")


def _remove_if_empty(folder: Path) -> None:
    if folder.is_dir() and next(folder.iterdir(), None) is None:
        folder.rmdir()


def keys_in_use(build_dir: Path) -> set[str]:
    """The keys the last build of each lab and profile used, and those a plain build of
    each shipped lab would use now (imports the experiments, so torch)."""
    from reportgen.inventory import latest_keys
    from reportgen.lab import PROFILES, available_labs, load_lab
    from reportgen.safety import Roots
    from reportgen.store import Store

    store, roots = Store(build_dir / "cache"), Roots.of(build_dir)
    used: set[str] = set()
    for lab_id in available_labs():
        lab = load_lab(lab_id)
        for profile in PROFILES:
            used |= set(latest_keys(build_dir, lab_id, profile).values())
            used |= _plain_build_keys(lab, profile, store, roots)
    return used


def _plain_build_keys(
    lab: LabSpec, profile: str, store: Store, roots: Roots
) -> set[str]:
    """The keys ``reportgen build LAB --profile PROFILE`` would plan now, with the choices
    it would make from the stored results (as far as they are stored)."""
    from reportgen.plan import in_stages, plan

    keys: set[str] = set()

    def stored(chosen: t.Mapping[str, t.Any]) -> dict[str, RunResult] | None:
        planned = plan(lab, profile, (), None, chosen, roots)
        keys.update(r.key for r in planned)
        found = {r.id: store.load(r.key) for r in planned}
        whole = {k: v for k, v in found.items() if v is not None}
        return whole if len(whole) == len(found) else None

    in_stages(lab, (), stored)
    return keys


def collect_garbage(build_dir: Path) -> Removed:
    """Remove the cache entries (and unfinished checkpoints) of keys nothing uses, and the
    checkpoints of runs that are stored (left by an interrupted ``--force`` retrain)."""
    require_build_dir(build_dir)
    cache = build_dir / "cache"
    removed = Removed()
    if not cache.is_dir() or cache.is_symlink():
        return removed
    used = keys_in_use(build_dir)
    for entry in sorted(cache.iterdir()):
        if _KEY.match(entry.name) and entry.is_dir() and not entry.is_symlink():
            if entry.name not in used:
                removed.delete_tree(entry)
    partial = cache / "partial"
    if partial.is_dir() and not partial.is_symlink():
        for path in sorted(partial.iterdir()):
            key = path.name.removesuffix(".pt")
            stored = (cache / key / RESULT_FILE).is_file()
            if path.is_file() and _KEY.match(key) and (key not in used or stored):
                removed.delete(path)
    return removed
