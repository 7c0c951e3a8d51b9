"""Claims: each sentence a report states about results, made by a named rule over numbers.

A rule takes measured values with the names a sentence uses for them and returns a
:class:`Claim`: the outcome the numbers give (what tests and views branch on) and the sentence
that says it. A report never carries a fixed sentence about an outcome: it prints claims.

The thresholds are this module's constants; each says why it has its value
(docs/authoring.md, "Claims", lists them). A :class:`Judge` carries what every rule must
know of the build: a quick preview trains a few epochs, so its comparisons, awards and
trends all come out as ``preview`` ("a preview supports no conclusion"); rules that only
describe the numbers shown (a curve's shape, a perplexity above the vocabulary size, an
agreement check) hold for a preview too.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import typing as t

from reportgen.aggregate import Spread
from reportgen.lang import Lang, lang

# Two single-seed perplexities (or losses) closer than this, relative to the smaller, are
# "about the same": the lab4 RNN from scratch ended at 1.029 on an Intel Xeon and at 1.046
# on an AMD EPYC from the same code and seed (1.7 %), so a smaller gap may be the machine's.
VALUE_MARGIN = 0.02
# Wall or training times closer than this (relative) are "about the same": the runs of a
# build train side by side on shared cores, and these machines drift 25–50 % over minutes
# (docs/performance.md), so a run that trained later may be slower for no reason of its own.
TIME_MARGIN = 0.25
# A curve whose last value is this much above its lowest has rebounded; one that rises this
# much above its running lowest on the way has bumps; one whose last value is not this much
# below its first did not fall. 10 % is far outside the epoch-to-epoch jitter of the course
# runs (under 1 % once they settle) and well inside the jumps the issue lists (418 → 3,047).
CURVE_MARGIN = 0.10
# How many standard errors an accuracy must lie above chance, or two accuracies apart, to
# count: two (about 97.7 % one-sided for a normal approximation of the binomial).
STANDARD_ERRORS = 2.0
# A largest absolute difference below this between two float32 computations of one
# function is rounding: float32's epsilon is 1.2e-7, and a few dozen tanh steps accumulate
# a few hundred of them at most.
ROUNDING = 1e-5
# Of the clauses a model generated, this share found verbatim in the training corpus means
# it memorised rather than composed; under the lower share most of its lines are new.
MEMORISED_SHARE = 0.5
NEW_SHARE = 0.2
# Two generated poems whose first characters differ but whose next this many characters are
# the same wrote one text under two starts: a five-character clause is the shortest line, so
# these four are the rest of both poems' first clause, which a model that reads its first
# character would seldom repeat by chance.
SHARED_START = 4
# Two settings measured over seeds differ only where their means lie this many standard
# errors of the difference apart (√(s_a²/n_a + s_b²/n_b), the seeds' spread): 3, not the 2
# of STANDARD_ERRORS, because each spread is itself estimated from a few seeds (3 in the
# course), and Student's t with 4 degrees of freedom puts the one-sided 97.7 % point at 2.9
# standard errors, not 2. The gap must also exceed the margin of single runs (VALUE_MARGIN,
# TIME_MARGIN): seeds that agree closely do not make the machine's noise go away.
SEED_ERRORS = 3.0

# where a Latin letter, digit or % meets a Han character, either way round
LATIN_BESIDE_HAN = re.compile(
    r"(?<=[A-Za-z0-9%])(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])(?=[A-Za-z0-9])"
)


@dataclasses.dataclass(frozen=True)
class Claim:
    """One sentence about results: the rule that made it, its outcome, its text."""

    rule: str
    outcome: str
    text: str

    def __post_init__(self) -> None:
        # names and numbers meet Chinese with a space, as in the templates' prose:
        # "隐藏单元 128 的困惑度", not "隐藏单元 128的困惑度"
        text = LATIN_BESIDE_HAN.sub(" ", self.text)
        # no space after a full-width bracket: "GRU（从零实现）17.530"
        object.__setattr__(self, "text", re.sub(r"(?<=[）」』】])\s+", "", text))

    def __str__(self) -> str:
        return self.text


@dataclasses.dataclass(frozen=True)
class Measured:
    """A value as a sentence names it, e.g. ``Measured("GRU", 1.018)``."""

    name: str
    value: float | None
    digits: int = 3
    unit: str = ""  # printed after the value, e.g. " s"
    # the stretch of training the run belongs to (views.Results.sittings): times are
    # compared only within one; None where unknown
    sitting: int | None = None

    @property
    def known(self) -> bool:
        return self.value is not None and math.isfinite(self.value)

    def shown(self, diverged: str) -> str:
        """The value as the report's tables print it; ``diverged`` for inf or NaN."""
        if self.value is None:
            return "—"
        if not math.isfinite(self.value):
            return diverged
        return f"{self.value:,.{self.digits}f}{self.unit}"


@dataclasses.dataclass(frozen=True)
class Seeds:
    """A setting's value over its seeds as a sentence names it: ``spread`` holds the mean,
    the sample std (None for one seed) and how many seeds gave a value; ``complete`` is
    false where some seed gave none (it diverged, or never reached a threshold)."""

    name: str
    spread: Spread
    digits: int = 3
    unit: str = ""
    complete: bool = True

    @property
    def shown(self) -> str:
        """ "mean ± std" as the report's tables print it, the mean for one seed, "—" for none."""
        if not self.spread.n:
            return "—"
        mean = f"{self.spread.mean:,.{self.digits}f}"
        if self.spread.std is None:
            return f"{mean}{self.unit}"
        return f"{mean} ± {self.spread.std:,.{self.digits}f}{self.unit}"


def relative_gap(a: float, b: float) -> float:
    """|a − b| relative to the smaller magnitude (inf when that is 0 and they differ)."""
    low = min(abs(a), abs(b))
    if a == b:
        return 0.0
    return abs(a - b) / low if low else math.inf


def _percent(a: Measured) -> str:
    """An accuracy (a fraction) as the sentences about accuracies print it."""
    return f"{a.value:.1%}" if a.known and a.value is not None else "—"


def proportion_noise(p: float, n: int) -> float:
    """The standard error of a proportion ``p`` measured on ``n`` samples."""
    return math.sqrt(max(p * (1 - p), 0.0) / n)


def _ratio(value: float) -> str:
    """A margin or share as the sentences print it: 2 %, 25 %."""
    return f"{value:.0%}"


@dataclasses.dataclass(frozen=True)
class Judge:
    """The rules, for one build: ``preview`` is true for a quick profile; ``lang`` is the
    language the sentences are written in (words such as ``less`` are its ``word.*``
    messages, quantities arrive in it)."""

    preview: bool
    lang: Lang = dataclasses.field(default_factory=lang)

    def _say(self, rule: str, outcome: str, key: str, **fields: object) -> Claim:
        return Claim(rule, outcome, self.lang(f"claim.{key}", **fields))

    def _shown(self, m: Measured) -> str:
        return m.shown(self.lang("value.diverged"))

    def _listed(self, items: t.Sequence[Measured | Seeds], sep: str = "list") -> str:
        """ "A 1.0，B 2.0": each item named with its value."""
        return self.lang.join(
            (
                self.lang(
                    "value.named",
                    name=m.name,
                    shown=m.shown if isinstance(m, Seeds) else self._shown(m),
                )
                for m in items
            ),
            sep,
        )

    def _preview(
        self, rule: str, quantity: str, values: str, key: str = "preview"
    ) -> Claim:
        note = self.lang("claim.preview_note")
        return self._say(
            rule, "preview", key, quantity=quantity, values=values, note=note
        )

    # comparisons: outcomes preview / missing / same / less / more (a against b)

    def compare(
        self,
        a: Measured,
        b: Measured,
        quantity: str,
        margin: float = VALUE_MARGIN,
        less: str = "lower",
        more: str = "higher",
    ) -> Claim:
        """Whether ``a``'s ``quantity`` is below, above or about the same as ``b``'s."""
        values = self._listed([a, b])
        if self.preview:
            return self._preview("compare", quantity, values)
        if not (a.known and b.known):
            return self._say(
                "compare",
                "missing",
                "compare_missing",
                quantity=quantity,
                values=values,
            )
        assert a.value is not None and b.value is not None
        pair = dict(a=a.name, b=b.name, a_shown=self._shown(a), b_shown=self._shown(b))
        if relative_gap(a.value, b.value) < margin:
            return self._say(
                "compare",
                "same",
                "compare_same",
                quantity=quantity,
                margin=_ratio(margin),
                **pair,
            )
        outcome, word = ("less", less) if a.value < b.value else ("more", more)
        return self._say(
            "compare",
            outcome,
            "compare_differs",
            quantity=quantity,
            word=self.lang(f"word.{word}"),
            **pair,
        )

    def times(self, a: Measured, b: Measured, quantity: str = "") -> Claim:
        """:meth:`compare` for times of runs that trained side by side; outcome ``apart``
        where they did not (one came from the cache of an earlier build)."""
        quantity = quantity or self.lang("quantity.train_time")
        if self._apart([a, b]):
            return self._apart_claim("compare", [a, b], quantity)
        return self.compare(a, b, quantity, TIME_MARGIN, less="shorter", more="longer")

    @staticmethod
    def _apart(items: t.Sequence[Measured]) -> bool:
        return len({m.sitting for m in items if m.known}) > 1

    def _apart_claim(
        self, rule: str, items: t.Sequence[Measured], quantity: str
    ) -> Claim:
        values = self._listed(items)
        return self._say(rule, "apart", "apart", quantity=quantity, values=values)

    def best(
        self,
        items: t.Sequence[Measured],
        quantity: str,
        margin: float = VALUE_MARGIN,
        goal: t.Literal["min", "max"] = "min",
        word: str = "lowest",
    ) -> Claim:
        """Which item has the lowest (or highest) ``quantity``, only where it beats the
        runner-up by more than ``margin``: outcomes preview / missing / tie / winner."""
        values = self._listed(items)
        if self.preview:
            return self._preview("best", quantity, values)
        known = sorted(
            (m for m in items if m.known),
            key=lambda m: t.cast(float, m.value),
            reverse=goal == "max",
        )
        if len(known) < 2:
            return self._say(
                "best", "missing", "best_missing", quantity=quantity, values=values
            )
        first, second = known[0], known[1]
        assert first.value is not None and second.value is not None
        pair = dict(
            first=first.name,
            first_shown=self._shown(first),
            second=second.name,
            second_shown=self._shown(second),
            quantity=quantity,
            word=self.lang(f"word.{word}"),
        )
        if relative_gap(first.value, second.value) < margin:
            return self._say("best", "tie", "best_tie", margin=_ratio(margin), **pair)
        return self._say("best", "winner", "best_winner", **pair)

    def fastest(self, items: t.Sequence[Measured], quantity: str = "") -> Claim:
        """:meth:`best` over times, with the margin of runs trained side by side (``apart``
        where they did not)."""
        quantity = quantity or self.lang("quantity.train_time")
        if self._apart(items):
            return self._apart_claim("best", items, quantity)
        return self.best(items, quantity, TIME_MARGIN, "min", "shortest")

    def trend(
        self, axis: str, points: t.Sequence[tuple[object, Measured]], quantity: str
    ) -> Claim:
        """Whether ``quantity`` grows or shrinks along ``axis``: only a strictly monotone
        series is a trend (outcomes preview / missing / grows / shrinks / none)."""
        listed = self.lang.join((self._shown(m) for _, m in points), "series")
        if self.preview:
            return self._preview("trend", quantity, listed, "trend_preview")
        fields = dict(quantity=quantity, values=listed, axis=axis)
        values = [t.cast(float, m.value) for _, m in points if m.known]
        if len(values) < 3 or len(values) < len(points):
            return self._say("trend", "missing", "trend_missing", **fields)
        steps = [b - a for a, b in itertools.pairwise(values)]
        if all(s > 0 for s in steps):
            return self._say("trend", "grows", "trend_grows", **fields)
        if all(s < 0 for s in steps):
            return self._say("trend", "shrinks", "trend_shrinks", **fields)
        return self._say("trend", "none", "trend_none", **fields)

    # accuracies

    def versus_chance(self, a: Measured, chance: float, n: int) -> Claim:
        """An accuracy (a fraction) against the chance level of its task, measured on ``n``
        samples: outcomes above / chance (at or below chance within the noise; "did not
        learn the task" only of a course build)."""
        noise = STANDARD_ERRORS * proportion_noise(chance, n)
        if not a.known:
            return self._say("chance", "missing", "chance_missing", name=a.name)
        assert a.value is not None
        fields = dict(
            name=a.name,
            value=f"{a.value:.1%}",
            chance=f"{chance:.1%}",
            noise=f"{noise:.1%}",
            n=n,
        )
        if a.value > chance + noise:
            return self._say("chance", "above", "chance_above", **fields)
        # a preview's few epochs at chance say nothing of what the model can learn
        key = "chance_preview" if self.preview else "chance_chance"
        return self._say("chance", "chance", key, **fields)

    def accuracies(self, a: Measured, b: Measured, chance: float, n: int) -> Claim:
        """Two accuracies on ``n`` samples each: outcomes preview / missing / chance (both
        at chance) / same (apart by less than the noise) / more / less (a against b)."""
        pair = dict(a=a.name, b=b.name, a_shown=_percent(a), b_shown=_percent(b))
        if self.preview:
            note = self.lang("claim.preview_note")
            return self._say(
                "accuracies", "preview", "accuracies_preview", note=note, **pair
            )
        if not (a.known and b.known):
            return self._say("accuracies", "missing", "accuracies_missing", **pair)
        assert a.value is not None and b.value is not None
        at_chance = [
            self.versus_chance(m, chance, n).outcome == "chance" for m in (a, b)
        ]
        if all(at_chance):
            return self._say(
                "accuracies",
                "chance",
                "accuracies_chance",
                chance=f"{chance:.1%}",
                **pair,
            )
        pooled = (a.value + b.value) / 2
        noise = STANDARD_ERRORS * math.sqrt(2) * proportion_noise(pooled, n)
        spread = dict(noise=f"{noise:.1%}", n=n, **pair)
        if abs(a.value - b.value) <= noise:
            return self._say("accuracies", "same", "accuracies_same", **spread)
        outcome, word = ("more", "above") if a.value > b.value else ("less", "below")
        return self._say(
            "accuracies",
            outcome,
            "accuracies_differs",
            word=self.lang(f"word.{word}"),
            **spread,
        )

    # descriptions of the numbers shown (they hold for a preview too)

    def curve(
        self,
        name: str,
        series: t.Sequence[t.Sequence[float]],
        quantity: str,
        step: str = "step",
    ) -> Claim:
        """The shape of a falling curve (a loss, a perplexity) ``[[step, value], …]``:
        outcomes missing / diverged / rebounded (fell, then ended well above its lowest) /
        flat (did not fall) / bumpy (fell with rises on the way) / steady. ``step`` names
        the x axis' unit (``unit.step``, ``unit.epoch``)."""
        fields: dict[str, object] = dict(
            name=name, quantity=quantity, step=self.lang(f"unit.{step}")
        )
        if not series:
            return self._say("curve", "missing", "curve_missing", **fields)
        steps = [s for s, _ in series]
        values = [v for _, v in series]
        bad = next((s for s, v in series if not math.isfinite(v)), None)
        if bad is not None:
            return self._say(
                "curve", "diverged", "curve_diverged", at=f"{bad:g}", **fields
            )
        first, last = values[0], values[-1]
        fields |= dict(first=f"{first:,.3f}", last=f"{last:,.3f}")
        low = min(values)
        at_low = steps[values.index(low)]
        if last > low * (1 + CURVE_MARGIN) and low < first * (1 - CURVE_MARGIN):
            return self._say(
                "curve",
                "rebounded",
                "curve_rebounded",
                at=f"{at_low:g}",
                low=f"{low:,.3f}",
                **fields,
            )
        if last > first * (1 - CURVE_MARGIN):
            if last >= first:
                return self._say("curve", "flat", "curve_no_fall", **fields)
            margin = _ratio(CURVE_MARGIN)
            return self._say(
                "curve", "flat", "curve_little_fall", margin=margin, **fields
            )
        running = math.inf
        for at, value in series:
            if value > running * (1 + CURVE_MARGIN):
                return self._say(
                    "curve", "bumpy", "curve_bumpy", at=f"{at:g}", **fields
                )
            running = min(running, value)
        return self._say("curve", "steady", "curve_steady", **fields)

    def against_uniform(self, a: Measured, vocab_size: int) -> Claim:
        """A perplexity against uniform guessing over the vocabulary (perplexity = size):
        outcomes missing / worse / better."""
        if not a.known:
            return self._say("uniform", "missing", "uniform_missing", name=a.name)
        assert a.value is not None
        fields = dict(name=a.name, shown=self._shown(a), size=f"{vocab_size:,}")
        if a.value >= vocab_size:
            return self._say("uniform", "worse", "uniform_worse", **fields)
        far = a.value < vocab_size / 10
        key = "uniform_far_better" if far else "uniform_better"
        return self._say("uniform", "better", key, **fields)

    def agreement(self, name: str, max_abs_diff: float) -> Claim:
        """Two computations of one function: outcomes equal / rounding / different."""
        if max_abs_diff == 0:
            return self._say("agreement", "equal", "agreement_equal", name=name)
        fields = dict(name=name, diff=f"{max_abs_diff:.1e}", rounding=f"{ROUNDING:.0e}")
        if max_abs_diff < ROUNDING:
            return self._say("agreement", "rounding", "agreement_rounding", **fields)
        return self._say("agreement", "different", "agreement_different", **fields)

    def memorised(self, name: str, copied: int, total: int) -> Claim:
        """Generated clauses found verbatim in the corpus: outcomes missing / memorised /
        partly / new."""
        if total == 0:
            return self._say("memorised", "missing", "memorised_missing", name=name)
        if copied == 0:
            return self._say("memorised", "new", "memorised_none", name=name, total=total)
        share = copied / total
        counted = self.lang(
            "claim.memorised_counted",
            name=name,
            total=total,
            copied=copied,
            share=_ratio(share),
        )
        if share >= MEMORISED_SHARE:
            outcome = "memorised"
        elif share >= NEW_SHARE:
            outcome = "partly"
        else:
            outcome = "new"
        return self._say("memorised", outcome, f"memorised_{outcome}", counted=counted)

    def shared_start(self, name: str, texts: t.Mapping[str, str]) -> Claim:
        """Texts generated from different first characters (``{first: text}``): outcomes
        varied / repeated (two or more go on with the same :data:`SHARED_START`
        characters)."""
        starts: dict[str, list[str]] = {}
        for first, text in texts.items():
            after = text.removeprefix(first)[:SHARED_START]
            if len(after) == SHARED_START:
                starts.setdefault(after, []).append(first)
        shared = {after: firsts for after, firsts in starts.items() if len(firsts) > 1}
        if not shared:
            return self._say("shared_start", "varied", "shared_varied", name=name)
        rests = {text.removeprefix(first) for first, text in texts.items()}
        if len(shared) == 1 and len(rests) == 1:  # every poem: one text under many starts
            ((after, firsts),) = shared.items()
            listed = self.lang.join(firsts, "series")
            return self._say(
                "shared_start", "repeated", "shared_all", name=name, firsts=listed, after=after
            )
        listed = self.lang.join(
            (
                self.lang(
                    "claim.shared_one",
                    firsts=self.lang.join(firsts, "series"),
                    after=after,
                )
                for after, firsts in shared.items()
            ),
            "clauses",
        )
        return self._say(
            "shared_start", "repeated", "shared_repeated", name=name, listed=listed
        )

    # settings measured over seeds: the seeds' spread is the margin

    @staticmethod
    def _seed_noise(a: Seeds, b: Seeds, margin: float) -> tuple[float, bool]:
        """The largest gap between two means over seeds that is still noise, and whether
        the seeds' spread set it (else the margin of single runs did)."""
        sa, sb = a.spread, b.spread
        assert sa.std is not None and sb.std is not None
        spread = SEED_ERRORS * math.sqrt(sa.std**2 / sa.n + sb.std**2 / sb.n)
        single = margin * min(abs(sa.mean), abs(sb.mean))
        return max(spread, single), spread >= single

    def compare_seeds(
        self,
        a: Seeds,
        b: Seeds,
        quantity: str,
        *,
        margin: float = VALUE_MARGIN,
        less: str = "lower",
        more: str = "higher",
    ) -> Claim:
        """Whether setting ``a``'s mean ``quantity`` over seeds is below, above or about the
        same as ``b``'s: outcomes preview / missing / seeds (one seed: no spread known) /
        same / less / more."""
        values = self._listed([a, b])
        if self.preview:
            return self._preview("compare_seeds", quantity, values)
        listing = dict(quantity=quantity, values=values)
        if not (a.complete and b.complete and a.spread.n and b.spread.n):
            return self._say("compare_seeds", "missing", "seeds_missing", **listing)
        if a.spread.std is None or b.spread.std is None:
            return self._say("compare_seeds", "seeds", "seeds_one", **listing)
        noise, by_seeds = self._seed_noise(a, b, margin)
        gap = abs(a.spread.mean - b.spread.mean)
        within = self.lang(
            "claim.seeds_within" if by_seeds else "claim.seeds_margin",
            noise=f"{noise:,.{a.digits}f}{a.unit}",
            margin=_ratio(margin),
        )
        pair = dict(
            a=a.name, b=b.name, a_shown=a.shown, b_shown=b.shown, quantity=quantity
        )
        if gap <= noise:
            return self._say(
                "compare_seeds", "same", "seeds_same", within=within, **pair
            )
        outcome, word = (
            ("less", less) if a.spread.mean < b.spread.mean else ("more", more)
        )
        return self._say(
            "compare_seeds",
            outcome,
            "seeds_differs",
            within=within,
            word=self.lang(f"word.{word}"),
            **pair,
        )

    def best_seeds(
        self,
        items: t.Sequence[Seeds],
        quantity: str,
        margin: float = VALUE_MARGIN,
        word: str = "lowest",
    ) -> Claim:
        """Which setting has the lowest mean ``quantity`` over seeds, only where it beats the
        runner-up beyond the seeds' spread (:meth:`compare_seeds`); a setting with a seed
        that gave no value never wins: outcomes preview / missing / seeds / tie / winner."""
        values = self._listed(items)
        if self.preview:
            return self._preview("best_seeds", quantity, values)
        known = sorted(
            (m for m in items if m.complete and m.spread.n),
            key=lambda m: m.spread.mean,
        )
        if len(known) < 2:
            return self._say(
                "best_seeds",
                "missing",
                "best_seeds_missing",
                quantity=quantity,
                values=values,
            )
        first, second = known[0], known[1]
        versus = self.compare_seeds(first, second, quantity, margin=margin)
        if versus.outcome == "seeds":
            return dataclasses.replace(versus, rule="best_seeds")
        pair = dict(
            first=first.name,
            first_shown=first.shown,
            second=second.name,
            second_shown=second.shown,
            quantity=quantity,
            word=self.lang(f"word.{word}"),
        )
        outcome = "tie" if versus.outcome == "same" else "winner"
        return self._say("best_seeds", outcome, f"best_seeds_{outcome}", **pair)

    def time_rule(self) -> str:
        """What :meth:`times` and :meth:`fastest` do, as reports state it beside their
        time tables."""
        return self.lang("claim.time_rule", margin=_ratio(TIME_MARGIN))
