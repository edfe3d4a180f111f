"""Which variant of a sequence step works: sent, replied and booked per variant, and A against B.

Two readings of the same counts, because managers ask two questions:

- the frequentist one, « is the difference real? »: a two-sided two-proportion z-test (pooled standard
  error), significant below ``ALPHA`` = 5 %;
- the Bayesian one, « how sure are we that B is better? »: P(B > A) with uniform Beta(1, 1) priors, in
  closed form (a finite sum over the smallest Beta parameter, exact), or from a normal approximation
  once every parameter passes ``EXACT_LIMIT``.

The verdict is a code (``b_wins``, ``a_wins``, ``no_clear_difference``, ``not_enough_data``) worded at
display, and ``more_sends`` says how many more sends per variant a clear answer would take: the sample
size that detects the observed difference with 80 % power at α = 5 %, minus what was sent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import numpy as np
from scipy import special, stats  # type: ignore[import-untyped]

from pac.engine import wording
from pac.engine.formatting import Formatter
from pac.engine.labels import Translate, gettext_noop

ALPHA = 0.05
POWER = 0.80
#: Past this, P(B > A)'s exact sum gives way to the normal approximation (then accurate to 1e-4).
EXACT_LIMIT = 100_000
#: The most sends one variant may count (a bound on the input, far above any real campaign).
MAX_SENDS = 10**9


class Outcome(StrEnum):
    REPLIED = "replied"
    BOOKED = "booked"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.REPLIED: gettext_noop("reply rate"),
    Outcome.BOOKED: gettext_noop("meeting rate"),
}


class Verdict(StrEnum):
    NOT_ENOUGH_DATA = "not_enough_data"
    NO_CLEAR_DIFFERENCE = "no_clear_difference"
    A_WINS = "a_wins"
    B_WINS = "b_wins"


TEMPLATES: dict[Verdict, str] = {
    Verdict.NOT_ENOUGH_DATA: gettext_noop("Not enough sends yet: {a} or {b} has not been sent."),
    Verdict.NO_CLEAR_DIFFERENCE: gettext_noop(
        "No clear difference yet on the {outcome}: {a} {rate_a_rate}, {b} {rate_b_rate} "
        "(p = {p_value}, {leader} ahead with {confidence_rate} probability)."
    ),
    Verdict.A_WINS: gettext_noop(
        "{a} wins on the {outcome}: {rate_a_rate} against {rate_b_rate} for {b} "
        "(p = {p_value}, {confidence_rate} probability of being better)."
    ),
    Verdict.B_WINS: gettext_noop(
        "{b} wins on the {outcome}: {rate_b_rate} against {rate_a_rate} for {a} "
        "(p = {p_value}, {confidence_rate} probability of being better)."
    ),
}
SAME_RATE_TEMPLATE = gettext_noop("No difference on the {outcome}: {a} and {b} both at {rate_a_rate}.")
#: ``more_sends``, worded apart since it may be absent.
MORE_SENDS_TEMPLATE = gettext_noop("About {more_sends} more sends per variant would give a clear answer.")
NO_DIFFERENCE_TO_FIND = gettext_noop("The two rates are equal: no number of sends would tell them apart.")
INPUT_ERROR = gettext_noop("Variant {variant}: {count} {what} for {sent} sent; give 0 to {sent}.")
#: What ``CountsError`` counted, in words.
COUNT_LABELS: dict[str, str] = {
    "sent": gettext_noop("sent"),
    "replied": gettext_noop("replies"),
    "booked": gettext_noop("meetings booked"),
    "opened": gettext_noop("opens"),
}


class CountsError(ValueError):
    """Counts that cannot be (more replies than sends, a negative count): which variant, which count."""

    def __init__(self, variant: str, what: str, count: int, sent: int) -> None:
        self.template, self.params = INPUT_ERROR, {"variant": variant, "what": what, "count": count, "sent": sent}
        super().__init__(self.message())

    def message(self, formatter: Formatter | None = None, translate: Translate = lambda s: s) -> str:
        params = {**self.params, "variant": wording.Quoted(str(self.params["variant"]))}
        params["what"] = translate(COUNT_LABELS[str(self.params["what"])])
        return wording.render(INPUT_ERROR, params, formatter or Formatter("en"), translate)


@dataclass(frozen=True)
class VariantCounts:
    """One variant of one step: how many were sent, got a reply, booked a meeting (and were opened, if known)."""

    sent: int = 0
    replied: int = 0
    booked: int = 0
    opened: int | None = None

    def successes(self, outcome: Outcome) -> int:
        return self.replied if outcome is Outcome.REPLIED else self.booked

    def rate(self, outcome: Outcome) -> float | None:
        return self.successes(outcome) / self.sent if self.sent else None

    def check(self, variant: str) -> None:
        if not 0 <= self.sent <= MAX_SENDS:
            raise CountsError(variant, "sent", self.sent, MAX_SENDS)
        for what, count in (("replied", self.replied), ("booked", self.booked), ("opened", self.opened)):
            if count is not None and not 0 <= count <= self.sent:
                raise CountsError(variant, what, count, self.sent)


@dataclass(frozen=True)
class Comparison:
    """A against B on one outcome: the test, the posterior, the verdict and the sends still needed."""

    outcome: Outcome
    rate_a: float | None
    rate_b: float | None
    p_value: float | None
    prob_b_better: float
    verdict: Verdict
    more_sends: int | None
    names: tuple[str, str] = ("A", "B")

    @property
    def confidence(self) -> float:
        """How sure we are of the leader: the posterior probability that it is the better one."""
        return max(self.prob_b_better, 1.0 - self.prob_b_better)

    def message(self, formatter: Formatter | None = None, translate: Translate = lambda s: s) -> str:
        fmt = formatter or Formatter("en")
        a, b = self.names
        leader = b if self.prob_b_better >= 0.5 else a

        def special(key: str, value: object, show: object) -> str | None:
            if isinstance(value, float):
                if key.endswith("_rate"):
                    return fmt.percent(_decimal(value))
                return fmt.number(_decimal(value, 3), 3)
            if isinstance(value, Outcome):
                return translate(OUTCOME_LABELS[value])
            return None

        params: dict[str, object] = {
            "a": wording.Quoted(a),
            "b": wording.Quoted(b),
            "leader": wording.Quoted(leader),
            "outcome": self.outcome,
            "rate_a_rate": self.rate_a or 0.0,
            "rate_b_rate": self.rate_b or 0.0,
            "p_value": self.p_value if self.p_value is not None else 1.0,
            "confidence_rate": self.confidence,
        }
        same = self.verdict is Verdict.NO_CLEAR_DIFFERENCE and self.rate_a == self.rate_b
        template = SAME_RATE_TEMPLATE if same else TEMPLATES[self.verdict]
        text = wording.render(template, params, fmt, translate, (), special)
        if self.verdict is Verdict.NO_CLEAR_DIFFERENCE:
            if self.more_sends is None:
                text += " " + translate(NO_DIFFERENCE_TO_FIND)
            else:
                text += " " + wording.render(MORE_SENDS_TEMPLATE, {"more_sends": self.more_sends}, fmt, translate)
        return text


def _decimal(value: float, digits: int = 4) -> Decimal:
    return Decimal(str(round(value, digits)))


def compare(
    a: VariantCounts, b: VariantCounts, outcome: Outcome = Outcome.REPLIED, names: tuple[str, str] = ("A", "B")
) -> Comparison:
    """Variant B against variant A on the reply (or meeting) rate."""
    a.check(names[0])
    b.check(names[1])
    xa, xb = a.successes(outcome), b.successes(outcome)
    prob = prob_b_better(xa, a.sent - xa, xb, b.sent - xb)
    if not a.sent or not b.sent:
        return Comparison(outcome, a.rate(outcome), b.rate(outcome), None, prob, Verdict.NOT_ENOUGH_DATA, None, names)
    p_value = two_proportion_p_value(xa, a.sent, xb, b.sent)
    rate_a, rate_b = xa / a.sent, xb / b.sent
    if p_value < ALPHA and rate_a != rate_b:
        verdict = Verdict.B_WINS if rate_b > rate_a else Verdict.A_WINS
        more: int | None = 0
    else:
        verdict = Verdict.NO_CLEAR_DIFFERENCE
        needed = sends_needed(rate_a, rate_b)
        more = None if needed is None else max(1, needed - min(a.sent, b.sent))  # not clear yet: at least one
    return Comparison(outcome, rate_a, rate_b, p_value, prob, verdict, more, names)


def two_proportion_p_value(xa: int, na: int, xb: int, nb: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test; 1 when both rates sit at 0 or at 100 %."""
    pooled = (xa + xb) / (na + nb)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb))
    if se == 0.0:
        return 1.0
    z = (xb / nb - xa / na) / se
    return float(2.0 * stats.norm.sf(abs(z)))


def prob_b_better(succ_a: int, fail_a: int, succ_b: int, fail_b: int) -> float:
    """P(p_B > p_A) for p_A ~ Beta(1 + succ_a, 1 + fail_a) and p_B ~ Beta(1 + succ_b, 1 + fail_b).

    Exact by Evan Miller's sum, taken over the smallest of the four parameters (the event's complement
    and its mirror on failures give the other three sums), so a rare reply costs a few terms only."""
    aa, ba, ab, bb = 1 + succ_a, 1 + fail_a, 1 + succ_b, 1 + fail_b
    smallest = min(aa, ba, ab, bb)
    if smallest > EXACT_LIMIT:
        mean = ab / (ab + bb) - aa / (aa + ba)
        var = aa * ba / ((aa + ba) ** 2 * (aa + ba + 1)) + ab * bb / ((ab + bb) ** 2 * (ab + bb + 1))
        return float(stats.norm.cdf(mean / math.sqrt(var)))
    if smallest == ab:
        return _miller(aa, ba, ab, bb)
    if smallest == aa:
        return 1.0 - _miller(ab, bb, aa, ba)
    if smallest == ba:  # p_B > p_A ⇔ q_A > q_B, with q = 1 - p ~ Beta(fail, succ)
        return _miller(bb, ab, ba, aa)
    return 1.0 - _miller(ba, aa, bb, ab)


def _miller(aa: int, ba: int, ab: int, bb: int) -> float:
    """P(X_B > X_A) = Σ_{i<ab} B(aa+i, ba+bb) / ((bb+i) B(1+i, bb) B(aa, ba)), in logs."""
    i = np.arange(ab, dtype=np.float64)
    terms = special.betaln(aa + i, ba + bb) - np.log(bb + i) - special.betaln(1 + i, bb) - special.betaln(aa, ba)
    return float(min(1.0, max(0.0, np.exp(special.logsumexp(terms)))))


def sends_needed(rate_a: float, rate_b: float, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Sends per variant for a two-sided two-proportion test to detect ``rate_a`` vs ``rate_b``
    (Fleiss's formula without continuity correction); None when the rates are equal."""
    if rate_a == rate_b:
        return None
    z_alpha = float(stats.norm.ppf(1.0 - alpha / 2.0))
    z_beta = float(stats.norm.ppf(power))
    mean = (rate_a + rate_b) / 2.0
    spread = z_alpha * math.sqrt(2.0 * mean * (1.0 - mean)) + z_beta * math.sqrt(
        rate_a * (1.0 - rate_a) + rate_b * (1.0 - rate_b)
    )
    return math.ceil(spread**2 / (rate_a - rate_b) ** 2)


@dataclass(frozen=True)
class StepResults:
    """One step's variants (« A », « B »…) with their counts; what the results page shows per step."""

    step: str
    variants: Mapping[str, VariantCounts]

    def comparisons(self, outcome: Outcome = Outcome.REPLIED) -> list[Comparison]:
        """Each variant against the first (the control), in the order they were given."""
        names = list(self.variants)
        control = names[0] if names else ""
        return [compare(self.variants[control], self.variants[n], outcome, (control, n)) for n in names[1:]]
