"""Property-based test (Hypothesis): hostile values for every CLI option, spec key and input file.

The property, for ``build``, ``status``, ``check`` and ``list``: the command exits 0 with a good
build (a PDF, its Markdown and its manifest), or exits non-zero with an ``Error:`` line; never a
traceback, never an exception other than SystemExit; and a failed command leaves the reports
in the build folder's lab folder as they were (no new or changed .md, .pdf or manifest).

Nothing here trains: the module builds lab4 once at the quick profile and one epoch per run,
and every ``build`` it tries either fails validation or finds those runs cached (its ``--set``
values are invalid, or the base build's own). Most builds run with ``--strict``, which stops a
quick-profile build after every input check, before training and rendering; a few render (names, dates and
notes that pass the checks). Examples are derandomized; ``REPORTGEN_FUZZ_SCALE=5`` runs five
times as many, randomized (seed with ``--hypothesis-seed``), to look for new crashes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tomllib
import traceback
import typing as t
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.cli import main
from reportgen.errors import ReportgenError
from reportgen.lab import load_lab
from reportgen.paths import LABS_DIR
from reportgen.plan import plan

SCALE = int(os.environ.get("REPORTGEN_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> t.Callable[[t.Any], t.Any]:
    """Hypothesis settings for a test of ``examples`` (times SCALE) examples."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=SCALE == 1,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# the base build: lab4, quick profile, one epoch per run (~10 s of training, once)
CHEAP = [
    "--set",
    "rnn_scratch.num_epochs=1",
    "--set",
    "rnn_concise.num_epochs=1",
    "--set",
    "lstm_scratch.num_epochs=1",
]
STUDENT_ID = "WA2214014"
BASE = ["lab4", "--profile", "quick", "--jobs", "1", *CHEAP]
LABS = ["lab4", "rnn-tuning", "lyrics", "tangshi", "digitsum"]
TARGETS = [
    *LABS,
    "rnn_scratch",
    "rnn_concise",
    "lstm_scratch",
    "text_preprocessing",
    "gru_deep",
    "hidden",
    "batch",
    "lyrics",
    "tangshi",
]
PARAMS = [
    "num_hiddens",
    "num_epochs",
    "lr",
    "batch_size",
    "num_steps",
    "max_tokens",
    "use_random_iter",
    "clip_theta",
    "cell",
    "num_layers",
    "optimizer",
    "corpus",
    "temperature",
    "top_k",
    "length",
]
# words a parameter of lab4 could take (bool, Literal): a --set value for build avoids them
WORDS = {"true", "false", "yes", "no", "sgd", "adam", "rnn", "gru", "lstm"}


@dataclasses.dataclass
class World:
    """The module's folder (the current directory), its base build and its input files."""

    root: Path
    build_dir: Path
    paths: dict[str, Path]  # a kind of path -> a path of that kind


def make_paths(root: Path) -> dict[str, Path]:
    """One path of each kind a file option may be given, all inside ``root``."""
    inputs = root / "inputs"
    inputs.mkdir()
    notes = inputs / "notes.md"
    notes.write_text("## 小结\n\n循环神经网络的困惑度随训练下降。\n", encoding="utf-8")
    corpus = inputs / "corpus.txt"
    corpus.write_text("分开的时候我不哭\n" * 300, encoding="utf-8")
    (inputs / "a-dir").mkdir()
    binary = inputs / "binary.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    gbk = inputs / "gbk.md"
    gbk.write_bytes("小结：困惑度下降。".encode("gbk"))
    huge = inputs / "huge.txt"
    huge.write_text("分开的时候我不哭\n" * 60_000, encoding="utf-8")  # 1.5 MB
    empty = inputs / "empty.md"
    empty.touch()
    odd_name = inputs / os.fsdecode(b"notes-\xd0\xa1\xbd\xe1.md")  # GBK bytes in a name
    odd_name.write_text("## 小结\n\n下降。\n", encoding="utf-8")
    (inputs / "to-notes.md").symlink_to(notes)
    (inputs / "to-outside").symlink_to("/etc/hostname")
    (inputs / "dangling").symlink_to(inputs / "nowhere")
    (inputs / "to-dir").symlink_to(inputs / "a-dir")
    (inputs / "to-build").symlink_to(root / "build")
    fifo = inputs / "fifo"
    os.mkfifo(fifo)
    good_zip = inputs / "corpus.zip"
    with zipfile.ZipFile(good_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lyrics.txt", "分开的时候我不哭\n" * 300)
    return {
        "notes": notes,
        "corpus": corpus,
        "zip": good_zip,
        "missing": inputs / "missing.md",
        "dir": inputs / "a-dir",
        "binary": binary,
        "gbk": gbk,
        "huge": huge,
        "empty": empty,
        "odd name": odd_name,
        "symlink": inputs / "to-notes.md",
        "symlink outside": inputs / "to-outside",
        "dangling symlink": inputs / "dangling",
        "symlink to dir": inputs / "to-dir",
        "symlink to build": inputs / "to-build",
        "fifo": fifo,
        "under a file": notes / "x.md",
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[World]:
    root = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)  # no reportgen.toml, no notes/ here: only what the examples give
        paths = make_paths(root)
        build_dir = root / "build"
        args = ["build", *BASE, "--student", STUDENT_ID, "--name", "杨跃浙"]
        first = run(
            [*args, "--build-dir", str(build_dir), "--notes", str(paths["notes"])]
        )
        assert first.exit_code == 0, first.output
        yield World(root, build_dir, paths)


def run(args: t.Sequence[str]) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def reports(build_dir: Path) -> dict[str, tuple[int, int]]:
    """The reports and manifests in every lab folder of ``build_dir``: (size, mtime)."""
    found = {}
    try:
        files = [
            p for p in build_dir.glob("*/*") if p.suffix in (".md", ".pdf", ".json")
        ]
        for path in files:
            if path.is_file() and path.parent.name != "cache":
                stat = path.stat()
                found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    except (OSError, ValueError):  # not a folder, or a name the OS cannot take
        pass
    return found


def check_outcome(
    args: t.Sequence[str],
    result: Result,
    before: t.Mapping[Path, t.Mapping[str, t.Any]],
) -> None:
    """The property: a good outcome or one ``Error:`` line; no traceback; nothing partial."""
    shown = f"reportgen {' '.join(map(repr, args))}\n{result.output}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"{shown}\nescaped: {trace}")
    assert "Traceback" not in result.output, shown
    if result.exit_code == 0:
        if args[0] == "build":
            assert_good_build(result, shown)
        return
    lines = result.output.splitlines()
    checked = args[0] == "check" and "Submission check:" in lines
    assert checked or any(line.startswith("Error:") for line in lines), shown
    for build_dir, files in before.items():
        assert reports(build_dir) == files, f"{shown}\nchanged reports in {build_dir}"


def assert_good_build(result: Result, shown: str) -> None:
    pdf = Path(result.output.split("Report: ", 1)[1].splitlines()[0].strip())
    assert pdf.read_bytes().startswith(b"%PDF"), shown
    assert pdf.with_suffix(".md").is_file(), shown
    assert any(pdf.parent.glob(".build-*.json")), shown  # the manifest


def run_and_check(world: World, args: list[str]) -> None:
    build_dirs = {world.build_dir}
    for option, value in zip(args, args[1:], strict=False):
        if option == "--build-dir":
            build_dirs.add(Path(value))
    before = {d: reports(d) for d in build_dirs}
    check_outcome(args, run(args), before)


# --- strategies -------------------------------------------------------------------------

HOSTILE_TEXT = [
    "",
    " ",
    "\u202efdp.exe",
    "a\u200bb",
    "a\nb",
    "\x1b[31m",
    "../x",
    "/",
    ".",
    "..",
    "x" * 65,
    "张" * 30,
    "\U0001f600",
    "\ud800",
    "{{ 7*7 }}",
    "<script>",
    "$x$",
]


def fs_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text as a non-UTF-8 command line arrives: os.fsdecode of random bytes (no NUL: an
    argument cannot hold one)."""
    return st.binary(max_size=max_size).map(
        lambda b: os.fsdecode(b.replace(b"\0", b""))
    )


def text() -> st.SearchStrategy[str]:
    """A command-line argument: hostile samples, any text, or undecodable bytes."""
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=80).map(lambda s: s.replace("\0", "")),
        fs_text(),
    )


NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=2**53, max_value=10**500),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "1" * 400, "1" * 5000, "0x10"]),
).map(str)


def invalid_value() -> st.SearchStrategy[str]:
    """A --set value no parameter of lab4 takes: a build with it cannot reach training."""
    out_of_range = st.one_of(
        st.integers(min_value=2**53 + 1, max_value=10**500).map(str),
        st.sampled_from(["nan", "inf", "-inf", "1e999", "1" * 400, "-" + "9" * 30]),
    )
    words = text().filter(
        lambda v: not _number_like(v) and v.strip().lower() not in WORDS
    )
    return st.one_of(out_of_range, words)


def _number_like(value: str) -> bool:
    try:
        float(value.replace("_", ""))
    except ValueError:
        return value.strip() in {"0", "1"}
    return True


def set_option(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """``--set TARGET.PARAM=VALUE``, or a malformed text."""
    target = st.one_of(st.sampled_from(TARGETS), text())
    param = st.one_of(st.sampled_from(PARAMS), text())
    well_formed = st.builds(lambda t_, p, v: f"{t_}.{p}={v}", target, param, values)
    return st.one_of(well_formed, text()).map(lambda s: ["--set", s])


def path_option(
    world: World, name: str, kinds: t.Sequence[str]
) -> st.SearchStrategy[list[str]]:
    """``--NAME PATH`` with a path of one of ``kinds``, or a random name in the folder."""
    random_name = fs_text(30).filter(
        lambda s: "/" not in s and s not in ("", ".", "..")
    )
    return st.one_of(
        st.sampled_from([str(world.paths[k]) for k in kinds]),
        random_name.map(lambda s: str(world.root / "inputs" / s)),
    ).map(lambda p: [f"--{name}", p])


def student_options() -> st.SearchStrategy[list[str]]:
    fields = [
        st.one_of(st.just(STUDENT_ID), text()).map(lambda v: ["--student", v]),
        text().map(lambda v: ["--name", v]),
        text().map(lambda v: ["--major", v]),
    ]
    return st.lists(st.one_of(*fields), max_size=3).map(lambda xs: sum(xs, []))


def int_option(name: str) -> st.SearchStrategy[list[str]]:
    return st.one_of(st.integers(-5, 100), st.integers(), text()).map(
        lambda v: [f"--{name}", str(v)]
    )


FILE_KINDS = list(
    "notes corpus zip missing dir binary gbk huge empty symlink fifo".split()
) + [
    "odd name",
    "symlink outside",
    "dangling symlink",
    "symlink to dir",
    "under a file",
]


# --- build ------------------------------------------------------------------------------


def build_options(world: World) -> st.SearchStrategy[list[str]]:
    """Options of a build that cannot train: invalid --set values, the base's profile."""
    options = st.one_of(
        set_option(invalid_value()),
        student_options(),
        text().map(lambda v: ["--date", v]),
        int_option("seeds"),
        int_option("jobs"),
        st.one_of(st.sampled_from(["auto", "cpu", "cuda"]), text()).map(
            lambda v: ["--device", v]
        ),
        st.one_of(st.just("quick"), text().filter(lambda v: v != "course")).map(
            lambda v: ["--profile", v]
        ),
        path_option(world, "notes", FILE_KINDS),
        path_option(world, "corpus", FILE_KINDS),
        st.sampled_from(
            [
                str(world.build_dir),
                str(world.paths["notes"]),
                str(world.paths["under a file"]),
                str(world.paths["symlink to build"]),
            ]
        ).map(lambda p: ["--build-dir", p]),
    )
    return st.lists(options, min_size=1, max_size=4).map(lambda xs: sum(xs, []))


def build_args(world: World, extra: list[str]) -> list[str]:
    """The base build, then ``extra`` (later options win), in the base build folder."""
    return [
        "build",
        *BASE,
        "--student",
        STUDENT_ID,
        "--build-dir",
        str(world.build_dir),
        "--notes",
        str(world.paths["notes"]),
        *extra,
    ]


@given(data=st.data())
@fuzz(40)
def test_build_with_hostile_options(world: World, data: st.DataObject) -> None:
    extra = data.draw(build_options(world), label="options")
    run_and_check(world, [*build_args(world, extra), "--strict"])


@given(data=st.data())
@fuzz(3)
def test_build_that_renders_with_hostile_names_dates_and_notes(
    world: World, data: st.DataObject
) -> None:
    """Without --strict: what passes the checks is rendered (the runs are cached)."""
    extra = data.draw(
        st.lists(
            st.one_of(
                text().map(lambda v: ["--name", v]),
                text().map(lambda v: ["--major", v]),
                text().map(lambda v: ["--date", v]),
            ),
            min_size=1,
            max_size=3,
        ).map(lambda xs: sum(xs, [])),
        label="options",
    )
    notes = world.root / "inputs" / "drawn-notes.md"
    notes.write_bytes(data.draw(notes_bytes(), label="notes"))
    run_and_check(world, [*build_args(world, extra), "--notes", str(notes)])


def notes_bytes() -> st.SearchStrategy[bytes]:
    markdown = st.lists(
        st.sampled_from(
            [
                "## 小结\n",
                "> ",
                "[",
                "]",
                "(",
                ")",
                "$x^2$",
                "$$\\frac{1}{0\n",
                "*",
                "`",
                "\n",
                "|",
            ]
        )
        | st.text(max_size=20),
        max_size=60,
    ).map(lambda parts: "".join(parts).encode("utf-8"))
    return st.one_of(markdown, st.binary(max_size=200))


# --- status, check, list ----------------------------------------------------------------


def seeds_option(lab: str) -> st.SearchStrategy[list[str]]:
    """--seeds: any integer for lab4 (it sweeps nothing), a modest one for the others."""
    if lab == "lab4":
        return int_option("seeds")
    return st.one_of(st.integers(-3, 20).map(str), text()).map(lambda v: ["--seeds", v])


@given(data=st.data())
@fuzz(150)
def test_status_with_hostile_options(world: World, data: st.DataObject) -> None:
    lab = data.draw(st.one_of(st.sampled_from(LABS), text()), label="lab")
    values = st.one_of(
        NUMBERS, text(), st.sampled_from([str(p) for p in world.paths.values()])
    )
    options = st.one_of(
        set_option(values),
        seeds_option(lab),
        st.one_of(st.sampled_from(["course", "quick"]), text()).map(
            lambda v: ["--profile", v]
        ),
        path_option(world, "corpus", FILE_KINDS),
        path_option(world, "build-dir", [*FILE_KINDS, "dir"]),
        st.just(["--build-dir", str(world.build_dir)]),
    )
    extra = data.draw(
        st.lists(options, max_size=4).map(lambda xs: sum(xs, [])), label="options"
    )
    run_and_check(world, ["status", lab, *extra])


@given(data=st.data())
@fuzz(25)
def test_check_and_list_with_hostile_options(world: World, data: st.DataObject) -> None:
    build_dir = st.one_of(
        st.just(["--build-dir", str(world.build_dir)]),
        path_option(world, "build-dir", [*FILE_KINDS, "dir"]),
    )
    command = data.draw(st.sampled_from(["check", "list"]), label="command")
    if command == "list":
        extra = data.draw(build_dir, label="options")
        run_and_check(world, ["list", *extra])
        return
    lab = data.draw(st.one_of(st.sampled_from(LABS), text()), label="lab")
    student = st.one_of(st.just(STUDENT_ID), text()).map(lambda v: ["--student", v])
    extra = data.draw(
        st.lists(st.one_of(build_dir, student), max_size=3).map(lambda xs: sum(xs, [])),
        label="options",
    )
    run_and_check(world, ["check", lab, *extra])


# --- input files: corpora and notes -----------------------------------------------------


def mutated_zip(good: bytes) -> st.SearchStrategy[bytes]:
    """A damaged zip: cut short, bytes overwritten, encrypted flag, unknown compression."""
    header_fields = {  # offset in the local header -> bytes: flags (encrypted), method
        6: b"\x01\x00",
        8: b"\x63\x00",
    }

    def damage(cut: int, patches: list[tuple[int, int]], field: int | None) -> bytes:
        data = bytearray(good[: max(cut, 1)])
        for offset, value in patches:
            if offset < len(data):
                data[offset] = value
        if field is not None and field + 2 <= len(data):
            data[field : field + 2] = header_fields[field]
        return bytes(data)

    return st.builds(
        damage,
        st.integers(1, len(good)),
        st.lists(
            st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)), max_size=4
        ),
        st.one_of(st.none(), st.sampled_from(list(header_fields))),
    )


@given(data=st.data())
@fuzz(25)
def test_corpus_files_random_and_damaged(world: World, data: st.DataObject) -> None:
    good = world.paths["zip"].read_bytes()
    content = data.draw(
        st.one_of(
            mutated_zip(good),
            st.binary(max_size=300),
            st.text(max_size=300).map(lambda s: s.encode("utf-8")),
        ),
        label="corpus bytes",
    )
    suffix = data.draw(st.sampled_from([".zip", ".txt"]), label="suffix")
    corpus = world.root / "inputs" / f"drawn-corpus{suffix}"
    corpus.write_bytes(content)
    command = data.draw(st.sampled_from(["status", "build"]), label="command")
    if command == "status":
        args = [
            "status",
            "lyrics",
            "--build-dir",
            str(world.build_dir),
            "--corpus",
            str(corpus),
        ]
    else:  # lab4 takes no corpus: the file is checked, then refused
        args = [*build_args(world, ["--corpus", str(corpus)]), "--strict"]
    run_and_check(world, args)


@given(content=notes_bytes())
@fuzz(15)
def test_notes_files_random(world: World, content: bytes) -> None:
    notes = world.root / "inputs" / "drawn-notes.md"
    notes.write_bytes(content)
    run_and_check(world, [*build_args(world, ["--notes", str(notes)]), "--strict"])


# --- lab specs --------------------------------------------------------------------------

LAB4 = tomllib.loads((LABS_DIR / "lab4.toml").read_text(encoding="utf-8"))
Key = tuple[str | int, ...]


def key_paths(value: object, prefix: Key = ()) -> list[Key]:
    """Every key path in a parsed TOML document (table keys and list indices)."""
    paths: list[Key] = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            paths += key_paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            paths += key_paths(v, (*prefix, i))
    return paths


TOML_SCALARS = st.one_of(
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63, max_value=10**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "{seed:>999999999}",
            "{0}",
            "{seed!x}",
            "{seed.real}",
            "{seed[0]}",
            "{",
            "lab4.md.j2",
        ]
    ),
)
TOML_LISTS = st.lists(TOML_SCALARS, max_size=3)
TOML_VALUES = st.one_of(
    TOML_SCALARS,
    TOML_LISTS,
    st.dictionaries(st.text(max_size=8), TOML_SCALARS | TOML_LISTS, max_size=3),
)


def toml_text(value: object) -> str:
    """``value`` as a TOML value (tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)  # inf, -inf, 1e+300 are TOML
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    assert isinstance(value, dict)
    pairs = (f"{toml_string(k)} = {toml_text(v)}" for k, v in value.items())
    return "{" + ", ".join(pairs) + "}"


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that TOML escapes DEL too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_document(table: dict[str, t.Any]) -> str:
    return "".join(f"{toml_string(k)} = {toml_text(v)}\n" for k, v in table.items())


def mutate(doc: dict[str, t.Any], data: st.DataObject) -> dict[str, t.Any]:
    """Drop a key, replace a value or add a key, at random places, one to three times."""
    doc = json.loads(json.dumps(doc))  # a deep copy
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = key_paths(doc)
        if not paths:
            break
        where = data.draw(st.sampled_from(paths), label="at")
        parent: t.Any = doc
        for step in where[:-1]:
            parent = parent[step]
        last = where[-1]
        action = data.draw(st.sampled_from(["drop", "replace", "add"]), label="action")
        if action == "drop":
            del parent[last]
        elif action == "replace":
            parent[last] = data.draw(TOML_VALUES, label="value")
        elif isinstance(parent, dict):
            parent[data.draw(st.text(max_size=10), label="key")] = data.draw(
                TOML_VALUES
            )
        else:
            parent.append(data.draw(TOML_VALUES, label="value"))
    return doc


@given(data=st.data())
@fuzz(100)
def test_lab_spec_mutations(world: World, data: st.DataObject) -> None:
    """A mutated lab4 spec loads and plans, or fails with a ReportgenError: one line, or
    one line per problem under ``… has N problems:``."""
    doc = mutate(LAB4, data)
    spec_dir = world.root / "specs"
    spec_dir.mkdir(exist_ok=True)
    (spec_dir / "fuzzlab.toml").write_text(toml_document(doc), encoding="utf-8")
    profile = data.draw(st.sampled_from(["course", "quick"]), label="profile")
    try:
        plan(load_lab("fuzzlab", spec_dir), profile)
    except ReportgenError as exc:
        lines = exc.message.splitlines()
        listed = [line.removeprefix("  ") for line in lines[1:]]
        assert exc.message and (
            len(lines) == 1
            or lines[0].endswith(f" has {len(listed)} problems:")
            and all(line and not line.startswith(" ") for line in listed)
        ), exc.message
