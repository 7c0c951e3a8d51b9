"""What ``reportgen verify`` prints: the text check, the code check and a table per run."""

from __future__ import annotations

from reportgen import agreement
from reportgen.safety import escaped, refused_character
from reportgen.verify import Verification

_COLUMNS = ("value", "record", "rerun", "verdict")


def describe(found: Verification, epochs: int | None = None) -> str:
    """The whole answer, ending with one verdict line (``epochs``: ``--epochs``)."""
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
    if found.settings:
        lines.append(
            "Parameters are not the ones the report's settings give (nothing was trained):"
        )
        lines += [f"  {line}" for line in found.settings]
    for check in found.runs:
        r, claimed = check.trained_here, check.recorded
        same = agreement.same_kind(claimed, r)
        kind = (
            "the same kind of machine: exact match required"
            if same
            else f"recorded on {claimed.device_name}, torch {claimed.torch_version}:"
            " another kind, tolerances of docs/verify.md"
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
    lines.append(_verdict(found, epochs))
    return "\n".join(lines)


def _table(rows: list[agreement.Agreement]) -> list[str]:
    """The values side by side; a generated text's control characters are shown escaped."""
    cells = [
        _COLUMNS,
        *((a.what, _plain(a.recorded), _plain(a.rerun), a.verdict) for a in rows),
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(_COLUMNS))]
    return [
        "  "
        + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]


def _verdict(found: Verification, epochs: int | None) -> str:
    if found.ok:
        scope = (
            "its text and the runs rerun"
            if found.not_rerun
            else "its text and every run"
        )
        if epochs is not None:
            scope += f" (for their first {epochs} epoch{'' if epochs == 1 else 's'})"
        within = [c.run_id for c in found.runs if c.verdict == agreement.WITHIN]
        if not within:
            return f"Verified: {scope} agree with the record."
        return (
            f"Verified within tolerance: {scope} agree with the record, {len(within)} of"
            " them only within the tolerances of another machine kind. The record names"
            " the kind it claims; rerun on that kind for an exact check."
        )
    problems = []
    if found.text:
        problems.append(f"{len(found.text)} text difference(s)")
    if found.code:
        problems.append(f"{len(found.code)} code or data file(s) differ")
    if found.settings:
        problems.append(f"{len(found.settings)} parameter(s) off the report's settings")
    different = [c.run_id for c in found.runs if c.verdict == agreement.DIFFERENT]
    if different:
        problems.append(f"runs that differ: {', '.join(different)}")
    return "NOT VERIFIED: " + "; ".join(problems) + "."


def _plain(text: str) -> str:
    return escaped(text)[1:-1] if refused_character(text) else text
