"""Tests of analysis.effects: paired effects, their intervals and their sentences."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import effects
from analysis.effects import Effect, paired_effect, paired_frames


def correlated_pairs(rng, n, *, mean_a=10.0, mean_b=9.0, sd=2.0, rho=0.8):
    """n pairs from a bivariate normal with equal sds and correlation rho."""
    z1, z2 = rng.standard_normal((2, n))
    a = mean_a + sd * z1
    b = mean_b + sd * (rho * z1 + math.sqrt(1.0 - rho * rho) * z2)
    return a, b


def test_t_and_bootstrap_intervals_cover_the_true_difference_at_the_nominal_rate():
    # 400 replicate data sets of n = 50 correlated pairs, true E[b − a] = −1. The coverage
    # estimate is binomial(400, p)/400, whose standard error at p = 0.95 is
    # sqrt(0.95 · 0.05 / 400) ≈ 0.0109; we allow 3 standard errors (0.0327). The t interval
    # is exact here (normal differences). The expanded BCa interval's own coverage error at
    # n = 50 is a few tenths of a point (0.942 measured over 3000 such data sets; plain BCa
    # gives 0.935, the narrowness bias the expansion corrects), and the Monte Carlo error of
    # 2000 resamples is smaller still, both well inside the tolerance.
    rng = np.random.default_rng(20240601)
    replicates, n, truth, level = 400, 50, -1.0, 0.95
    covered_t = covered_boot = 0
    for k in range(replicates):
        a, b = correlated_pairs(rng, n)
        effect = paired_effect(a, b, level=level, n_boot=2000, seed=k)
        covered_t += effect.ci_t[0] <= truth <= effect.ci_t[1]
        covered_boot += effect.ci_bootstrap[0] <= truth <= effect.ci_bootstrap[1]
    tolerance = 3.0 * math.sqrt(level * (1.0 - level) / replicates)
    assert abs(covered_t / replicates - level) < tolerance
    assert abs(covered_boot / replicates - level) < tolerance


def test_t_interval_and_p_value_match_scipy_paired_t_test():
    a, b = correlated_pairs(np.random.default_rng(1), 30)
    effect = paired_effect(a, b, level=0.9, n_boot=1000)
    reference = stats.ttest_rel(b, a)
    interval = reference.confidence_interval(0.9)
    assert effect.ci_t == pytest.approx((interval.low, interval.high), rel=1e-12)
    assert effect.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert effect.difference == pytest.approx(np.mean(b - a), rel=1e-12)
    assert effect.mean_a == pytest.approx(a.mean()) and effect.mean_b == pytest.approx(b.mean())
    assert effect.level == 0.9


def test_pairing_gives_a_narrower_interval_than_an_unpaired_comparison():
    # With rho = 0.9 the paired standard error is sqrt(1 − rho) ≈ 0.32 of the unpaired
    # one (equal variances); 0.5 leaves room for sampling error in the two sds at n = 200.
    a, b = correlated_pairs(np.random.default_rng(2), 200, rho=0.9)
    effect = paired_effect(a, b, n_boot=2000)
    n = a.size
    unpaired_half = stats.t.ppf(0.975, 2 * n - 2) * math.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n)
    paired_half = (effect.ci_t[1] - effect.ci_t[0]) / 2.0
    boot_half = (effect.ci_bootstrap[1] - effect.ci_bootstrap[0]) / 2.0
    assert paired_half < 0.5 * unpaired_half
    assert boot_half < 0.5 * unpaired_half


def test_bootstrap_is_deterministic_for_a_seed_and_depends_on_it():
    a, b = correlated_pairs(np.random.default_rng(3), 40)
    first = paired_effect(a, b, n_boot=1000, seed=7)
    again = paired_effect(a, b, n_boot=1000, seed=7)
    other = paired_effect(a, b, n_boot=1000, seed=8)
    assert first.ci_bootstrap == again.ci_bootstrap and first.relative_ci == again.relative_ci
    assert first.ci_bootstrap != other.ci_bootstrap


def test_relative_change_and_its_interval_are_sane():
    rng = np.random.default_rng(4)
    a = rng.poisson(100, 400).astype(float)
    b = np.round(0.77 * a + rng.normal(0, 4, 400))
    effect = paired_effect(a, b, n_boot=2000)
    assert effect.relative == pytest.approx(b.mean() / a.mean() - 1.0, rel=1e-12)
    low, high = effect.relative_ci
    assert low < effect.relative < high
    assert -0.26 < low and high < -0.20  # truth −0.23; the interval is a few points wide
    # The relative interval agrees with the absolute one rescaled by the baseline mean,
    # up to the baseline's own sampling error (about 0.5 % of it here).
    assert low == pytest.approx(effect.ci_bootstrap[0] / effect.mean_a, abs=0.01)
    assert high == pytest.approx(effect.ci_bootstrap[1] / effect.mean_a, abs=0.01)


def test_relative_change_is_nan_when_the_baseline_mean_is_zero():
    effect = paired_effect(np.zeros(10), np.arange(10.0), n_boot=500)
    assert math.isnan(effect.relative)
    assert all(math.isnan(v) for v in effect.relative_ci)
    assert effect.difference == 4.5
    assert "increased" in effect.sentence(unit="attacks")  # falls back on the difference


def test_identical_differences_give_point_intervals():
    a = np.arange(10.0) + 5.0
    effect = paired_effect(a, a + 2.0, n_boot=500)
    assert effect.ci_t == (2.0, 2.0) and effect.ci_bootstrap == (2.0, 2.0)
    assert effect.p_value == 0.0
    same = paired_effect(a, a.copy(), n_boot=500)
    assert same.p_value == 1.0 and same.ci_t == (0.0, 0.0)


@pytest.fixture()
def decrease():
    rng = np.random.default_rng(5)
    a = 100.0 + rng.normal(0, 10, 400)
    return paired_effect(a, 0.77 * a + rng.normal(0, 8, 400), metric="attacks_state",
                         label_a="no sanctions", label_b="sanctions", n_boot=2000)


def test_sentence_for_a_decrease(decrease):
    text = decrease.sentence("state-sponsored attacks on Japan")
    assert text.startswith("Compared with no sanctions, sanctions reduced "
                           "state-sponsored attacks on Japan by 23")
    assert "% (BCa bootstrap 95 % CI " in text and text.endswith("%), n = 400 paired runs.")
    low, high = sorted(-100 * v for v in decrease.relative_ci)
    assert f"{low:.0f}" in text and f"{high:.0f}" in text


def test_sentence_defaults_to_the_metric_name_and_can_add_the_absolute_difference(decrease):
    assert "reduced attacks_state by" in decrease.sentence()
    text = decrease.sentence("attacks", unit="attacks per replication")
    assert "attacks per replication, 95 % CI \u2212" in text


def test_sentence_for_an_increase():
    rng = np.random.default_rng(6)
    a = 50.0 + rng.normal(0, 5, 100)
    text = paired_effect(a, 1.1 * a + rng.normal(0, 1, 100), label_a="baseline",
                         label_b="coordination", n_boot=1000).sentence("damage")
    assert text.startswith("Compared with baseline, coordination increased damage by 10")
    assert text.endswith("n = 100 paired runs.")


def test_sentence_when_the_interval_contains_zero():
    rng = np.random.default_rng(7)
    a = 50.0 + rng.normal(0, 5, 100)
    effect = paired_effect(a, a + rng.normal(0, 1, 100), n_boot=1000)
    assert effect.relative_ci[0] < 0 < effect.relative_ci[1]
    text = effect.sentence("damage")
    assert "B did not detectably change damage (" in text
    assert " to " in text  # a signed interval such as "−0.3 to 0.2 %"


def test_input_errors_name_the_problem():
    with pytest.raises(ValueError, match="a has 3 values, b has 4"):
        paired_effect([1, 2, 3], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="at least 2"):
        paired_effect([1.0], [2.0])
    with pytest.raises(ValueError, match=r"b has 1 non-finite .* index 2"):
        paired_effect([1, 2, 3], [1, 2, np.nan])
    with pytest.raises(ValueError, match=r"a has 2 non-finite"):
        paired_effect([np.inf, 2, -np.inf], [1, 2, 3])
    with pytest.raises(ValueError, match="1-D"):
        paired_effect(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="level"):
        paired_effect([1, 2, 3], [2, 3, 5], level=95)


def test_to_dict_is_flat_and_plain():
    effect = paired_effect([1.0, 2.0, 4.0], [2.0, 2.5, 5.0], metric="m", n_boot=200)
    d = effect.to_dict()
    assert d["metric"] == "m" and d["n"] == 3 and type(d["n"]) is int
    assert d["ci_t_low"] == effect.ci_t[0] and d["relative_ci_high"] == effect.relative_ci[1]
    assert all(not isinstance(v, (tuple, np.generic)) for v in d.values())


def test_paired_frames_pairs_on_replication_regardless_of_row_order():
    rng = np.random.default_rng(8)
    a, b = correlated_pairs(rng, 60)
    runs_a = pd.DataFrame({"replication": np.arange(60), "attacks": a})
    runs_b = pd.DataFrame({"replication": np.arange(60), "attacks": b})
    runs_b = runs_b.sample(frac=1.0, random_state=1)  # shuffled rows
    effect = paired_frames(runs_a, runs_b, "attacks", label_a="base", label_b="policy", n_boot=500)
    direct = paired_effect(a, b, metric="attacks", label_a="base", label_b="policy", n_boot=500)
    assert effect == direct
    assert isinstance(effect, Effect) and effect.metric == "attacks"


def test_paired_frames_refuses_unpaired_or_duplicated_replications():
    runs_a = pd.DataFrame({"replication": [0, 1, 2, 3], "x": [1.0, 2, 3, 4]})
    runs_b = pd.DataFrame({"replication": [1, 2, 3, 4, 5], "x": [1.0, 2, 3, 4, 5]})
    message = r"3 replication\(s\) did not pair.*1 only in runs_a, 2 only in runs_b"
    with pytest.raises(ValueError, match=message):
        paired_frames(runs_a, runs_b, "x")
    with pytest.raises(ValueError, match="duplicated"):
        paired_frames(runs_a, pd.DataFrame({"replication": [0, 0, 1, 2], "x": [1.0, 2, 3, 4]}), "x")
    with pytest.raises(ValueError, match="no column"):
        paired_frames(runs_a, runs_a, "y")


def test_paired_frames_accepts_a_composite_key():
    frame = pd.DataFrame({"point": [0, 0, 1, 1], "replication": [0, 1, 0, 1], "x": [1.0, 2, 3, 4]})
    other = frame.assign(x=frame["x"] * 2).iloc[::-1]
    effect = paired_frames(frame, other, "x", key=("point", "replication"), n_boot=200)
    assert effect.n == 4 and effect.difference == pytest.approx(2.5)
    assert effects.paired_frames is paired_frames


# ---- near-degenerate differences: when the two intervals disagree, and why ----------------


def sparse_differences(rng, n, p_down, p_up):
    """Differences of −1, 0 or +1 with P(−1) = p_down, P(+1) = p_up: true mean p_up − p_down."""
    return rng.choice([-1.0, 0.0, 1.0], p=[p_down, 1.0 - p_down - p_up, p_up], size=n)


def test_the_issues_one_sided_bootstrap_is_flagged_and_no_effect_is_claimed():
    # 49 pairs at 0 and one at −1 (issue 13: "−0.02, bootstrap [−0.1, 0]" beside paired t
    # [−0.06, 0.02]). The t interval is −0.02 ± t(0.975, 49) · 0.02 exactly.
    d = np.zeros(50)
    d[7] = -1.0
    e = paired_effect(np.full(50, 50.0), 50.0 + d, label_a="as shipped", label_b="sanctions",
                      n_boot=10_000)
    half = stats.t.ppf(0.975, 49) * 0.02
    assert e.ci_t == pytest.approx((-0.02 - half, -0.02 + half), rel=1e-12)
    assert e.ci_bootstrap[1] == 0.0 and e.ci_bootstrap[0] < e.ci_t[0]  # one-sided
    assert e.n_differing == 1 and e.modal_difference == 0.0 and not e.detectable
    assert "only 1 of 50 pairs differ from 0" in e.caution
    assert "read the t interval" in e.caution
    text = e.sentence("attacks on Japan", unit="per run")
    assert text.startswith("Compared with as shipped, sanctions did not detectably change "
                           "attacks on Japan (\u221200.02 per run; ".replace("00", "0"))
    low = f"{e.ci_bootstrap[0]:.2f}".replace("-", "\u2212")
    assert f"95 % CI paired t \u22120.06 to 0.02, BCa bootstrap {low} to 0.00)" in text
    assert "n = 50 paired runs. Caution: " in text
    assert e.to_dict()["caution"] == e.caution and e.to_dict()["detectable"] is False


def test_degenerate_differences_are_stated_not_given_an_interval():
    n = 50
    bound = 1.0 - 0.05 ** (1.0 / n)  # exact one-sided 95 % bound with 0 of 50: 5.82 %
    same = paired_effect(np.arange(n, dtype=float), np.arange(n, dtype=float), n_boot=500)
    assert same.degenerate and same.n_differing == 0 and not same.detectable
    assert same.bound_differing == pytest.approx(bound, rel=1e-9)
    text = same.sentence("damage")
    assert "left damage unchanged in every one of the 50 paired runs" in text
    assert "fewer than 5.8 % of replications" in text and "nan" not in text.lower()
    shifted = paired_effect(np.full(n, 4.0), np.full(n, 6.0), n_boot=500)
    assert shifted.degenerate and shifted.detectable and shifted.difference == 2.0
    text = shifted.sentence("attacks", unit="per run")
    assert "increased attacks by exactly 2.0 per run (50 %) in every one of the 50" in text
    assert shifted.p_value == 0.0 and shifted.ci_t == (2.0, 2.0)


def test_the_disagreement_rule():
    from analysis.effects import interval_caution
    kw = dict(n=50, n_differing=40, modal=0.0, skewness=0.2)
    assert interval_caution((-1.0, 0.0), (-1.19, 0.19), **kw) == ""  # 19 % of the width apart
    assert "disagree (ends up to 21 %" in interval_caution((-1.0, 0.0), (-1.21, 0.0), **kw)
    text = interval_caution((-1.0, -0.1), (-1.05, 0.05), **kw)
    assert text.startswith("the paired t interval excludes 0 but the bootstrap interval does not")
    text = interval_caution((-1.0, 0.1), (-1.0, -0.05), **{**kw, "skewness": -1.5})
    assert text.startswith("the bootstrap interval excludes 0 but the paired t interval does not")
    assert "skewed (skewness \u22121.5)" in text and "report both" in text
    text = interval_caution((-1.0, 0.0), (-1.0, 0.0), **{**kw, "n_differing": 9})
    assert text.startswith("the paired t and bootstrap intervals agree here, but only 9 of 50")
    assert interval_caution((-1.0, 0.0), (-1.0, 0.0), **{**kw, "n_differing": 15}) == ""


def _coverage(rng, make, truth, replicates, n, level=0.95):
    """Coverage of both intervals, over all data sets and over those without a caution."""
    counts = dict(t=0, boot=0, quiet=0, quiet_t=0, quiet_boot=0, degenerate=0, bound=0)
    for k in range(replicates):
        d = make(rng, n)
        e = paired_effect(np.zeros(n), d, level=level, n_boot=1000, seed=k)
        if e.degenerate:
            counts["degenerate"] += 1
            continue
        t = e.ci_t[0] <= truth <= e.ci_t[1]
        b = e.ci_bootstrap[0] <= truth <= e.ci_bootstrap[1]
        counts["t"] += t
        counts["boot"] += b
        if not e.caution:
            counts["quiet"] += 1
            counts["quiet_t"] += t
            counts["quiet_boot"] += b
    return counts


def test_without_a_caution_both_intervals_hold_their_level_on_count_differences():
    # 300 data sets each of n = 50: differences of two Poisson counts (what a run's counts
    # give; true mean 1) and of −1/0/+1 with half of the pairs differing (true mean −0.1).
    # Among the data sets the rule leaves without a caution, both intervals must cover at
    # the nominal 95 % within 3 binomial standard errors of that count.
    rng = np.random.default_rng(20261207)
    for make, truth in ((lambda r, n: r.poisson(20, n) - r.poisson(19, n) * 1.0, 1.0),
                        (lambda r, n: sparse_differences(r, n, 0.3, 0.2), -0.1)):
        c = _coverage(rng, make, truth, 300, 50)
        assert c["quiet"] >= 250, c  # the rule stays quiet on most of them
        tolerance = 3.0 * math.sqrt(0.95 * 0.05 / c["quiet"])
        assert abs(c["quiet_t"] / c["quiet"] - 0.95) < tolerance, c
        assert abs(c["quiet_boot"] / c["quiet"] - 0.95) < tolerance, c


def test_with_few_differing_pairs_the_bootstrap_under_covers_and_the_t_interval_does_not():
    # Why the rule flags fewer than 15 differing pairs: with 8 % of pairs differing (about
    # 4 of 50), 400 data sets. The t interval keeps its level within 3 binomial standard
    # errors; the bootstrap falls clearly below it (measured 0.84–0.86 for 1–6 differing
    # pairs, docs/analysis.md). Every non-degenerate data set here carries a caution
    # (P(15 or more of 50 differ) < 10^-4), and the all-equal ones get the exact binomial
    # bound on the share of pairs that differ, which must hold at its level.
    rng = np.random.default_rng(20261208)
    replicates, n, p_down, p_up = 400, 50, 0.06, 0.02
    truth = p_up - p_down
    c = _coverage(rng, lambda r, k: sparse_differences(r, k, p_down, p_up), truth, replicates, n)
    informative = replicates - c["degenerate"]
    tolerance = 3.0 * math.sqrt(0.95 * 0.05 / informative)
    assert abs(c["t"] / informative - 0.95) < tolerance, c
    assert c["boot"] / informative < 0.95 - tolerance, c
    assert c["quiet"] == 0, c
    # The all-equal data sets are told "with 95 % confidence fewer than 1 − 0.05^(1/50) =
    # 5.8 % of replications differ"; the truth here is 8 %, so that statement is wrong for
    # each of them, which a 95 % bound allows in at most 5 % of data sets: here
    # P(all 50 differences 0) = 0.92^50 ≈ 1.5 %, about 6 of 400.
    assert 1.0 - 0.05 ** (1.0 / n) < p_down + p_up
    assert 0 < c["degenerate"] <= 0.05 * replicates
