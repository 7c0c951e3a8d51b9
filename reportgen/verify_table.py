"""What ``reportgen verify`` prints: the text check, the code check and a table per run."""

from __future__ import annotations

from reportgen import agreement
from reportgen.verify import Verification

_COLUMNS = ("value", "record", "rerun", "verdict")


def describe(found: Verification) -> str:
    """The whole answer, ending with one verdict line."""
    record = found.record
    student = " ".join(v for v in record.student.values() if v)
    lines = [
        f"Report: {record.lab} ({record.profile} profile) of {student}, built by"
        f" reportgen {record.reportgen}, {len(record.runs)} runs.",
        *(f"Note: {note}" for note in found.notes),
    ]
    if found.text:
        lines.append(
            f"Text: {len(found.text)} place(s) where the numbers differ from the record:"
        )
        lines += [f"  {m.line()}" for m in found.text]
    else:
        lines.append(
            "Text: every number the report prints is the one its record gives."
        )
    if found.code:
        lines.append(
            "Code and data differ from what the report ran (nothing was trained):"
        )
        lines += [f"  {d.line()}" for d in found.code]
        lines.append(
            "  Verify with the reportgen version and files the report was built with."
        )
    else:
        lines.append("Code and data: the same files as the report's runs used.")
    for check in found.runs:
        r = check.trained_here
        kind = (
            "same machine kind: exact match required"
            if agreement.same_kind(record.results()[check.run_id], r)
            else "another machine kind: tolerances of docs/verify.md"
        )
        lines.append("")
        lines.append(
            f"Run {check.run_id}: {check.verdict.upper()} (rerun on {r.device_name},"
            f" torch {r.torch_version}, {r.wall_seconds:.1f} s; {kind})"
        )
        lines += _table(check.agreements)
    if found.not_rerun:
        lines.append("")
        lines.append(f"Not rerun (--sample): {', '.join(found.not_rerun)}.")
    if found.now_verified:
        lines.append(
            f"Stored as verified in this user's cache: {', '.join(found.now_verified)}."
        )
    lines.append("")
    lines.append(_verdict(found))
    return "\n".join(lines)


def _table(rows: list[agreement.Agreement]) -> list[str]:
    cells = [_COLUMNS, *((a.what, a.recorded, a.rerun, a.verdict) for a in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(_COLUMNS))]
    return [
        "  "
        + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]


def _verdict(found: Verification) -> str:
    if found.ok:
        within = [c.run_id for c in found.runs if c.verdict == agreement.WITHIN]
        how = f" ({len(within)} within tolerance)" if within else ""
        scope = (
            "its text and the runs rerun"
            if found.not_rerun
            else "its text and every run"
        )
        return f"Verified: {scope} agree with the record{how}."
    problems = []
    if found.text:
        problems.append(f"{len(found.text)} text difference(s)")
    if found.code:
        problems.append(f"{len(found.code)} code or data file(s) differ")
    different = [c.run_id for c in found.runs if c.verdict == agreement.DIFFERENT]
    if different:
        problems.append(f"runs that differ: {', '.join(different)}")
    return "NOT VERIFIED: " + "; ".join(problems) + "."
