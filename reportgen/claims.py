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

PREVIEW = "快速预览只训练了很少的轮次，不据此比较"
# what Judge.times and Judge.fastest do, as the reports state it beside their time tables
TIME_RULE = (
    "训练时间只在同一段时间里训练的运行之间比较（同一次构建中的运行在共享的 CPU 核上并排"
    "训练；从早先一次构建的缓存取出的运行不与之比较），"
    f"相差不到 {TIME_MARGIN:.0%} 时不据此比较快慢"
)

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
    unit: str = ""  # printed after the value, e.g. " 秒"
    # the stretch of training the run belongs to (views.Results.sittings): times are
    # compared only within one; None where unknown
    sitting: int | None = None

    @property
    def known(self) -> bool:
        return self.value is not None and math.isfinite(self.value)

    @property
    def shown(self) -> str:
        """The value as the report's tables print it."""
        if self.value is None:
            return "—"
        if not math.isfinite(self.value):
            return "发散"
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


@dataclasses.dataclass(frozen=True)
class Judge:
    """The rules, for one build: ``preview`` is true for a quick profile."""

    preview: bool

    # comparisons: outcomes preview / missing / same / less / more (a against b)

    def compare(
        self,
        a: Measured,
        b: Measured,
        quantity: str,
        margin: float = VALUE_MARGIN,
        less: str = "更低",
        more: str = "更高",
    ) -> Claim:
        """Whether ``a``'s ``quantity`` is below, above or about the same as ``b``'s."""
        values = f"{a.name} {a.shown}，{b.name} {b.shown}"
        if self.preview:
            return Claim("compare", "preview", f"{quantity}：{values}（{PREVIEW}）")
        if not (a.known and b.known):
            return Claim(
                "compare",
                "missing",
                f"{quantity}：{values}：有运行未得到结果，无法比较",
            )
        assert a.value is not None and b.value is not None
        if relative_gap(a.value, b.value) < margin:
            return Claim(
                "compare",
                "same",
                f"{a.name}与{b.name}的{quantity}相差不到 {margin:.0%}（{a.shown} 对 {b.shown}），"
                "可以认为相同",
            )
        outcome, word = ("less", less) if a.value < b.value else ("more", more)
        return Claim(
            "compare",
            outcome,
            f"{a.name}的{quantity}比{b.name}{word}（{a.shown} 对 {b.shown}）",
        )

    def times(self, a: Measured, b: Measured, quantity: str = "训练时间") -> Claim:
        """:meth:`compare` for times of runs that trained side by side; outcome ``apart``
        where they did not (one came from the cache of an earlier build)."""
        if self._apart([a, b]):
            return self._apart_claim("compare", [a, b], quantity)
        return self.compare(a, b, quantity, TIME_MARGIN, less="更短", more="更长")

    @staticmethod
    def _apart(items: t.Sequence[Measured]) -> bool:
        return len({m.sitting for m in items if m.known}) > 1

    @staticmethod
    def _apart_claim(rule: str, items: t.Sequence[Measured], quantity: str) -> Claim:
        listed = "，".join(f"{m.name} {m.shown}" for m in items)
        return Claim(
            rule,
            "apart",
            f"{quantity}：{listed}（这些运行不是在同一段时间里训练的，"
            "有的来自早先一次构建的缓存，机器负载不同，不据此比较快慢）",
        )

    def best(
        self,
        items: t.Sequence[Measured],
        quantity: str,
        margin: float = VALUE_MARGIN,
        goal: t.Literal["min", "max"] = "min",
        word: str = "最低",
    ) -> Claim:
        """Which item has the lowest (or highest) ``quantity``, only where it beats the
        runner-up by more than ``margin``: outcomes preview / missing / tie / winner."""
        listed = "，".join(f"{m.name} {m.shown}" for m in items)
        if self.preview:
            return Claim("best", "preview", f"{quantity}：{listed}（{PREVIEW}）")
        known = sorted(
            (m for m in items if m.known),
            key=lambda m: t.cast(float, m.value),
            reverse=goal == "max",
        )
        if len(known) < 2:
            return Claim(
                "best", "missing", f"{quantity}：{listed}：可比较的结果不足两个"
            )
        first, second = known[0], known[1]
        assert first.value is not None and second.value is not None
        if relative_gap(first.value, second.value) < margin:
            return Claim(
                "best",
                "tie",
                f"{quantity}：{first.name}（{first.shown}）与{second.name}（{second.shown}）"
                f"相差不到 {margin:.0%}，分不出哪个{word}",
            )
        return Claim(
            "best",
            "winner",
            f"{quantity}{word}的是{first.name}（{first.shown}，"
            f"其次是{second.name} {second.shown}）",
        )

    def fastest(self, items: t.Sequence[Measured], quantity: str = "训练时间") -> Claim:
        """:meth:`best` over times, with the margin of runs trained side by side (``apart``
        where they did not)."""
        if self._apart(items):
            return self._apart_claim("best", items, quantity)
        return self.best(items, quantity, TIME_MARGIN, "min", "最短")

    def trend(
        self, axis: str, points: t.Sequence[tuple[object, Measured]], quantity: str
    ) -> Claim:
        """Whether ``quantity`` grows or shrinks along ``axis``: only a strictly monotone
        series is a trend (outcomes preview / missing / grows / shrinks / none)."""
        listed = "、".join(m.shown for _, m in points)
        if self.preview:
            return Claim("trend", "preview", f"{quantity}依次为 {listed}（{PREVIEW}）")
        values = [t.cast(float, m.value) for _, m in points if m.known]
        if len(values) < 3 or len(values) < len(points):
            return Claim(
                "trend", "missing", f"{quantity}依次为 {listed}：数据点不足，看不出趋势"
            )
        steps = [b - a for a, b in itertools.pairwise(values)]
        if all(s > 0 for s in steps):
            return Claim(
                "trend", "grows", f"{quantity}随{axis}增大而增大（依次为 {listed}）"
            )
        if all(s < 0 for s in steps):
            return Claim(
                "trend", "shrinks", f"{quantity}随{axis}增大而减小（依次为 {listed}）"
            )
        return Claim(
            "trend", "none", f"{quantity}依次为 {listed}，没有随{axis}单调变化的趋势"
        )

    # accuracies

    def versus_chance(self, a: Measured, chance: float, n: int) -> Claim:
        """An accuracy (a fraction) against the chance level of its task, measured on ``n``
        samples: outcomes above / chance (at or below chance within the noise)."""
        noise = STANDARD_ERRORS * proportion_noise(chance, n)
        if not a.known:
            return Claim("chance", "missing", f"{a.name}没有得到准确率")
        assert a.value is not None
        shown = f"{a.name}的准确率 {a.value:.1%}"
        if a.value > chance + noise:
            return Claim(
                "chance",
                "above",
                f"{shown}高于随机水平（{chance:.1%}，测量误差 ±{noise:.1%}，n = {n}）",
            )
        return Claim(
            "chance",
            "chance",
            f"{shown}与随机水平（{chance:.1%}）之差在测量误差 ±{noise:.1%}（n = {n}）以内："
            "模型没有学到这个任务",
        )

    def accuracies(self, a: Measured, b: Measured, chance: float, n: int) -> Claim:
        """Two accuracies on ``n`` samples each: outcomes preview / missing / chance (both
        at chance) / same (apart by less than the noise) / more / less (a against b)."""
        if self.preview:
            return Claim(
                "accuracies",
                "preview",
                f"准确率：{a.name} {_percent(a)}，{b.name} {_percent(b)}（{PREVIEW}）",
            )
        if not (a.known and b.known):
            return Claim(
                "accuracies", "missing", f"{a.name}或{b.name}没有得到准确率，无法比较"
            )
        assert a.value is not None and b.value is not None
        at_chance = [
            self.versus_chance(m, chance, n).outcome == "chance" for m in (a, b)
        ]
        if all(at_chance):
            return Claim(
                "accuracies",
                "chance",
                f"{a.name}（{a.value:.1%}）和{b.name}（{b.value:.1%}）都处于随机水平"
                f"（{chance:.1%}），二者的差别没有意义",
            )
        pooled = (a.value + b.value) / 2
        noise = STANDARD_ERRORS * math.sqrt(2) * proportion_noise(pooled, n)
        if abs(a.value - b.value) <= noise:
            return Claim(
                "accuracies",
                "same",
                f"{a.name}（{a.value:.1%}）与{b.name}（{b.value:.1%}）之差在测量误差"
                f" ±{noise:.1%}（n = {n}）以内，可以认为相同",
            )
        outcome, word = ("more", "高于") if a.value > b.value else ("less", "低于")
        return Claim(
            "accuracies",
            outcome,
            f"{a.name}的准确率（{a.value:.1%}）{word}{b.name}（{b.value:.1%}），"
            f"差距超过测量误差 ±{noise:.1%}",
        )

    # descriptions of the numbers shown (they hold for a preview too)

    def curve(
        self,
        name: str,
        series: t.Sequence[t.Sequence[float]],
        quantity: str,
        step: str = "步",
    ) -> Claim:
        """The shape of a falling curve (a loss, a perplexity) ``[[step, value], …]``:
        outcomes missing / diverged / rebounded (fell, then ended well above its lowest) /
        flat (did not fall) / bumpy (fell with rises on the way) / steady. ``step`` names
        the x axis' unit in the sentence (步, 轮)."""
        if not series:
            return Claim("curve", "missing", f"{name}没有记录{quantity}曲线")
        steps = [s for s, _ in series]
        values = [v for _, v in series]
        bad = next((s for s, v in series if not math.isfinite(v)), None)
        if bad is not None:
            return Claim(
                "curve",
                "diverged",
                f"{name}的{quantity}在第 {bad:g} {step}发散（inf/NaN）",
            )
        first, last = values[0], values[-1]
        low = min(values)
        at_low = steps[values.index(low)]
        if last > low * (1 + CURVE_MARGIN) and low < first * (1 - CURVE_MARGIN):
            return Claim(
                "curve",
                "rebounded",
                f"{name}的{quantity}在第 {at_low:g} {step}降到最低 {low:,.3f} 后回升，"
                f"最后为 {last:,.3f}",
            )
        if last > first * (1 - CURVE_MARGIN):
            how = "没有下降" if last >= first else f"下降不到 {CURVE_MARGIN:.0%}"
            return Claim(
                "curve",
                "flat",
                f"{name}的{quantity}{how}：从 {first:,.3f} 到 {last:,.3f}",
            )
        running = math.inf
        for at, value in series:
            if value > running * (1 + CURVE_MARGIN):
                return Claim(
                    "curve",
                    "bumpy",
                    f"{name}的{quantity}总体下降（{first:,.3f} → {last:,.3f}），"
                    f"但中途有回升（第 {at:g} {step}）",
                )
            running = min(running, value)
        return Claim(
            "curve", "steady", f"{name}的{quantity}平稳下降：{first:,.3f} → {last:,.3f}"
        )

    def against_uniform(self, a: Measured, vocab_size: int) -> Claim:
        """A perplexity against uniform guessing over the vocabulary (perplexity = size):
        outcomes missing / worse / better."""
        if not a.known:
            return Claim("uniform", "missing", f"{a.name}没有得到困惑度")
        assert a.value is not None
        if a.value >= vocab_size:
            return Claim(
                "uniform",
                "worse",
                f"{a.name}的困惑度 {a.shown} 不低于词表大小 {vocab_size:,}：比均匀随机猜测还差，"
                "模型没有学到语料",
            )
        return Claim(
            "uniform",
            "better",
            f"{a.name}的困惑度 {a.shown} 远低于均匀猜测的 {vocab_size:,}"
            if a.value < vocab_size / 10
            else f"{a.name}的困惑度 {a.shown} 低于均匀猜测的 {vocab_size:,}",
        )

    def agreement(self, name: str, max_abs_diff: float) -> Claim:
        """Two computations of one function: outcomes equal / rounding / different."""
        if max_abs_diff == 0:
            return Claim("agreement", "equal", f"{name}逐位相同（最大绝对误差为 0）")
        if max_abs_diff < ROUNDING:
            return Claim(
                "agreement",
                "rounding",
                f"{name}的最大绝对误差为 {max_abs_diff:.1e}，在 float32 舍入误差范围内"
                f"（< {ROUNDING:.0e}），计算的是同一个函数",
            )
        return Claim(
            "agreement",
            "different",
            f"{name}的最大绝对误差为 {max_abs_diff:.1e}，超出舍入误差（{ROUNDING:.0e}）："
            "两者不是同一个函数",
        )

    def memorised(self, name: str, copied: int, total: int) -> Claim:
        """Generated clauses found verbatim in the corpus: outcomes missing / memorised /
        partly / new."""
        if total == 0:
            return Claim("memorised", "missing", f"{name}没有生成完整的句子")
        share = copied / total
        counted = f"{name}生成的 {total} 句中有 {copied} 句（{share:.0%}）原样出现在训练语料中"
        if share >= MEMORISED_SHARE:
            return Claim(
                "memorised", "memorised", f"{counted}：模型主要是在背诵语料，而不是创作"
            )
        if share >= NEW_SHARE:
            return Claim(
                "memorised", "partly", f"{counted}：一部分是背诵，其余不是语料原句"
            )
        return Claim(
            "memorised",
            "new",
            f"{counted}：大多数句子不是语料原句（是否通顺成诗，要读诗本身）",
        )

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
            return Claim(
                "shared_start", "varied", f"{name}以不同首字写出的诗，首字之后各不相同"
            )
        listed = "；".join(
            f"以“{'、'.join(firsts)}”为首字的诗都接着写“{after}”"
            for after, firsts in shared.items()
        )
        return Claim(
            "shared_start",
            "repeated",
            f"{name}换了首字，后面写的却是同一段文字：{listed}",
        )

    # settings measured over seeds: the seeds' spread is the margin

    @staticmethod
    def _seed_noise(a: Seeds, b: Seeds, margin: float) -> float:
        """The largest gap between two means over seeds that is still noise."""
        sa, sb = a.spread, b.spread
        assert sa.std is not None and sb.std is not None
        spread = SEED_ERRORS * math.sqrt(sa.std**2 / sa.n + sb.std**2 / sb.n)
        return max(spread, margin * min(abs(sa.mean), abs(sb.mean)))

    def compare_seeds(
        self,
        a: Seeds,
        b: Seeds,
        quantity: str,
        *,
        margin: float = VALUE_MARGIN,
        less: str = "更低",
        more: str = "更高",
    ) -> Claim:
        """Whether setting ``a``'s mean ``quantity`` over seeds is below, above or about the
        same as ``b``'s: outcomes preview / missing / seeds (one seed: no spread known) /
        same / less / more."""
        values = f"{a.name} {a.shown}，{b.name} {b.shown}"
        if self.preview:
            return Claim(
                "compare_seeds", "preview", f"{quantity}：{values}（{PREVIEW}）"
            )
        if not (a.complete and b.complete and a.spread.n and b.spread.n):
            return Claim(
                "compare_seeds",
                "missing",
                f"{quantity}：{values}：有种子未得到结果，无法比较",
            )
        if a.spread.std is None or b.spread.std is None:
            return Claim(
                "compare_seeds",
                "seeds",
                f"{quantity}：{values}：只有 1 个种子，不知道种子之间的波动，不据此比较",
            )
        noise = self._seed_noise(a, b, margin)
        gap = abs(a.spread.mean - b.spread.mean)
        within = f"种子间波动给出的误差 ±{noise:,.{a.digits}f}{a.unit}"
        if gap <= noise:
            return Claim(
                "compare_seeds",
                "same",
                f"{a.name}与{b.name}的{quantity}差不多（{a.shown} 对 {b.shown}，"
                f"均值之差在{within}以内）",
            )
        outcome, word = (
            ("less", less) if a.spread.mean < b.spread.mean else ("more", more)
        )
        return Claim(
            "compare_seeds",
            outcome,
            f"{a.name}的{quantity}比{b.name}{word}（{a.shown} 对 {b.shown}，"
            f"均值之差超出{within}）",
        )

    def best_seeds(
        self,
        items: t.Sequence[Seeds],
        quantity: str,
        margin: float = VALUE_MARGIN,
        word: str = "最低",
    ) -> Claim:
        """Which setting has the lowest mean ``quantity`` over seeds, only where it beats the
        runner-up beyond the seeds' spread (:meth:`compare_seeds`); a setting with a seed
        that gave no value never wins: outcomes preview / missing / seeds / tie / winner."""
        listed = "，".join(f"{m.name} {m.shown}" for m in items)
        if self.preview:
            return Claim("best_seeds", "preview", f"{quantity}：{listed}（{PREVIEW}）")
        known = sorted(
            (m for m in items if m.complete and m.spread.n),
            key=lambda m: m.spread.mean,
        )
        if len(known) < 2:
            return Claim(
                "best_seeds",
                "missing",
                f"{quantity}：{listed}：每个种子都有结果的设置不足两个，无法比较",
            )
        first, second = known[0], known[1]
        versus = self.compare_seeds(first, second, quantity, margin=margin)
        if versus.outcome == "seeds":
            return dataclasses.replace(versus, rule="best_seeds")
        if versus.outcome == "same":
            return Claim(
                "best_seeds",
                "tie",
                f"{quantity}：{first.name}（{first.shown}）与{second.name}"
                f"（{second.shown}）之差在种子间的波动以内，分不出哪个{word}",
            )
        return Claim(
            "best_seeds",
            "winner",
            f"{quantity}{word}的是{first.name}（{first.shown}，其次是{second.name}"
            f" {second.shown}，差距超出种子间的波动）",
        )
