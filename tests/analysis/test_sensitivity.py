"""Tests of analysis.sensitivity: Sobol indices on Ishigami, Saltelli layout, Morris."""

import math

import numpy as np
import pytest

from analysis import sensitivity
from analysis.sensitivity import (ISHIGAMI_S1, ISHIGAMI_ST, ishigami, morris_effects,
                                  saltelli_sample, sobol_indices)


def to_ishigami_box(u):
    return -math.pi + 2.0 * math.pi * u


def morris_design(r, d, levels, rng):
    """The C++ rules (sim::design::morris): r trajectories of d + 1 points on the grid
    {0, 1/(p−1), …, 1}; start where a move up by Δ = p/(2(p−1)) stays inside, flip each
    factor's direction at random, move every factor once, in a random order."""
    step, jump = 1.0 / (levels - 1), levels // 2
    rows = []
    for _ in range(r):
        level = rng.integers(0, levels - jump, size=d)
        direction = np.where(rng.random(d) < 0.5, 1, -1)
        level = np.where(direction < 0, level + jump, level)
        rows.append(level * step)
        for i in rng.permutation(d):
            level = level.copy()
            level[i] += jump * direction[i]
            rows.append(level * step)
    return np.array(rows)


# ---------------------------------------------------------------------------------------
# Ishigami and the Saltelli design


def test_analytic_ishigami_indices_match_the_literature():
    # The four-decimal values quoted throughout the literature for a = 7, b = 0.1.
    np.testing.assert_allclose(ISHIGAMI_S1, [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(ISHIGAMI_ST, [0.5576, 0.4424, 0.2437], atol=5e-5)
    assert not ISHIGAMI_S1.flags.writeable


def test_ishigami_variance_matches_the_closed_form():
    # Monte Carlo variance on 2^16 scrambled Sobol points; closed form
    # V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2 ≈ 13.845. The QMC error on 65536 points is well
    # below 1 % for this smooth integrand; 2 % is a loose bound.
    x = to_ishigami_box(np.random.default_rng(0).random((1 << 16, 3)))
    v = 49 / 8 + 0.1 * math.pi**4 / 5 + 0.01 * math.pi**8 / 18 + 0.5
    assert np.var(ishigami(x)) == pytest.approx(v, rel=0.02)


def test_saltelli_layout():
    n, d = 8, 3
    rows = saltelli_sample(n, d)
    assert rows.shape == (n * (d + 2), d)
    blocks = rows.reshape(n, d + 2, d)
    a, b = blocks[:, 0], blocks[:, d + 1]
    for i in range(d):
        expected = a.copy()
        expected[:, i] = b[:, i]
        np.testing.assert_array_equal(blocks[:, 1 + i], expected)
    # The first Sobol points after the (skipped) origin, with Joe–Kuo direction numbers,
    # identical to Boost.Random's sobol engine used by the C++ generator.
    np.testing.assert_array_equal(a[:2], [[0.5, 0.5, 0.5], [0.75, 0.25, 0.25]])
    np.testing.assert_array_equal(b[:2], [[0.5, 0.5, 0.5], [0.25, 0.75, 0.75]])
    assert rows.min() > 0.0 and rows.max() < 1.0


def test_saltelli_sample_seeded_is_scrambled_and_reproducible():
    first, again, other = (saltelli_sample(16, 2, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert not np.array_equal(first, saltelli_sample(16, 2))


def test_saltelli_sample_requires_a_power_of_two():
    with pytest.raises(ValueError, match="100 is not one: use 64 or 128"):
        saltelli_sample(100, 3)


@pytest.fixture(scope="module")
def ishigami_large():
    n = 1 << 13
    y = ishigami(to_ishigami_box(saltelli_sample(n, 3)))
    return sobol_indices(y, 3, ["x1", "x2", "x3"], n_boot=1000, seed=1)


def test_sobol_indices_recover_ishigami(ishigami_large):
    # The 95 % percentile half-width h corresponds to about 1.96 bootstrap standard errors,
    # so h / 1.96 estimates the standard error and 3 standard errors is a 3-sigma bound
    # (for Sobol points, whose error is below the i.i.d. error the bootstrap mimics, even a
    # conservative one). The floor 0.02 guards against a degenerately narrow interval.
    result = ishigami_large
    for estimate, interval, truth in ((result.S1, result.S1_ci, ISHIGAMI_S1),
                                      (result.ST, result.ST_ci, ISHIGAMI_ST)):
        half = (interval[:, 1] - interval[:, 0]) / 2.0
        tolerance = np.maximum(3.0 * half / 1.96, 0.02)
        assert np.all(np.abs(estimate - truth) < tolerance), (estimate, truth, tolerance)
        assert np.all((interval[:, 0] <= truth) & (truth <= interval[:, 1]))


def test_sobol_convergence_flag_and_table(ishigami_large):
    assert ishigami_large.converged
    table = ishigami_large.convergence
    assert list(table.columns) == ["n", "parameter", "S1", "ST"]
    assert sorted(table["n"].unique()) == [1024, 2048, 4096, 8192]
    last = table[table["n"] == 8192].set_index("parameter")
    np.testing.assert_allclose(last["S1"], ishigami_large.S1)
    np.testing.assert_allclose(last["ST"], ishigami_large.ST)

    small = sobol_indices(ishigami(to_ishigami_box(saltelli_sample(16, 3))), 3, n_boot=500)
    assert not small.converged
    assert sorted(small.convergence["n"].unique()) == [2, 4, 8, 16]


def test_sobol_to_frame(ishigami_large):
    frame = ishigami_large.to_frame()
    assert list(frame.columns) == ["parameter", "S1", "S1_low", "S1_high",
                                   "ST", "ST_low", "ST_high"]
    assert frame["parameter"].tolist() == ["x1", "x2", "x3"]
    assert (frame["S1_low"] <= frame["S1"]).all() and (frame["ST"] <= frame["ST_high"]).all()


def test_sobol_is_invariant_to_shifting_the_output_and_deterministic():
    y = ishigami(to_ishigami_box(saltelli_sample(256, 3)))
    base = sobol_indices(y, 3, seed=4)
    shifted = sobol_indices(y + 1e4, 3, seed=4)
    # Centring makes the estimates exactly shift-invariant up to rounding of the shift.
    np.testing.assert_allclose(shifted.S1, base.S1, atol=1e-9)
    np.testing.assert_allclose(shifted.ST, base.ST, atol=1e-9)
    np.testing.assert_allclose(shifted.S1_ci, base.S1_ci, atol=1e-9)
    again = sobol_indices(y, 3, seed=4)
    np.testing.assert_array_equal(again.S1_ci, base.S1_ci)


def test_sobol_input_errors():
    with pytest.raises(ValueError, match="multiple of d \\+ 2 = 5"):
        sobol_indices(np.zeros(11), 3)
    with pytest.raises(ValueError, match="names has 2 entries for 3"):
        sobol_indices(np.arange(10.0), 3, ["a", "b"])
    with pytest.raises(ValueError, match="non-finite"):
        sobol_indices(np.r_[np.arange(9.0), np.nan], 3)


def test_sobol_constant_output_gives_nan_and_a_warning():
    with pytest.warns(RuntimeWarning, match="constant"):
        result = sobol_indices(np.ones(5 * 8), 3)
    assert np.isnan(result.S1).all() and not result.converged


# ---------------------------------------------------------------------------------------
# Morris


def test_morris_design_helper_follows_the_rules():
    d, p = 4, 6
    x = morris_design(20, d, p, np.random.default_rng(0))
    grid = np.round(x * (p - 1))
    assert np.allclose(x * (p - 1), grid) and x.min() >= 0 and x.max() <= 1
    steps = np.abs(np.diff(x.reshape(20, d + 1, d), axis=1))
    np.testing.assert_allclose(steps.sum(axis=2), p / (2 * (p - 1)))


def test_morris_on_a_linear_function_is_exact():
    # Every elementary effect of y = Σ c_i x_i is c_i, whatever the design: μ = c,
    # μ* = |c|, σ = 0, up to rounding (a few ulps of the largest |c|).
    c = np.array([2.0, -3.0, 0.5, 0.0])
    x = morris_design(30, 4, 4, np.random.default_rng(1))
    result = morris_effects(x, x @ c, names=["a", "b", "c", "d"])
    np.testing.assert_allclose(result.mu, c, atol=1e-12)
    np.testing.assert_allclose(result.mu_star, np.abs(c), atol=1e-12)
    np.testing.assert_allclose(result.sigma, 0.0, atol=1e-12)
    np.testing.assert_allclose(result.mu_star_ci, np.c_[np.abs(c), np.abs(c)], atol=1e-12)
    assert result.r == 30
    frame = result.to_frame()
    assert list(frame.columns) == ["parameter", "mu", "mu_star", "mu_star_low",
                                   "mu_star_high", "sigma"]


def test_morris_on_ishigami_shows_the_interaction_of_x3():
    # Known facts: x3 has S1 = 0 but acts through its interaction with x1, so its μ* is
    # clearly positive and its σ large, while its signed μ nearly cancels (b·x3⁴·sin x1 is
    # even in x3 and odd in x1). x2 acts through sin², a symmetric non-linearity: μ ≈ 0,
    # μ* > 0, σ > 0. "Nearly" means |μ| below a fifth of μ*; with r = 300 the standard error
    # of μ is σ/√300 ≈ 0.06 σ, so the cancellation is resolved comfortably.
    x = morris_design(300, 3, 8, np.random.default_rng(2))
    result = morris_effects(x, ishigami(to_ishigami_box(x)), seed=3)
    assert result.mu_star_ci[2, 0] > 0.5           # μ*(x3) bounded away from 0
    assert result.sigma[2] > result.mu_star[2]      # dominated by interaction
    assert abs(result.mu[2]) < 0.2 * result.mu_star[2]
    assert abs(result.mu[1]) < 0.2 * result.mu_star[1] and result.sigma[1] > 0
    assert np.all(result.mu_star_ci[:, 0] <= result.mu_star)
    assert np.all(result.mu_star <= result.mu_star_ci[:, 1])


def test_morris_rejects_a_step_that_moves_two_factors():
    x = morris_design(3, 3, 4, np.random.default_rng(4))
    x[5] = x[4]
    x[5, :2] = 1.0 - x[4, :2]  # trajectory 1 (rows 4–7): rows 4 and 5 differ in two factors
    with pytest.raises(ValueError, match="trajectory 1: rows 4 and 5 differ in 2 factors"):
        morris_effects(x, np.zeros(len(x)))


def test_morris_rejects_a_trajectory_that_moves_a_factor_twice():
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])  # x1 moves twice, x2 never
    with pytest.raises(ValueError, match=r"trajectory 0 .*never moves \['x2'\]"):
        morris_effects(x, np.zeros(3))


def test_morris_input_errors():
    with pytest.raises(ValueError, match="multiple of d \\+ 1"):
        morris_effects(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(ValueError, match="one value per row"):
        morris_effects(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="unit coordinates"):
        morris_effects(np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 1.0]]), np.zeros(3))
    single = sensitivity.morris_effects(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]),
                                        [0.0, 1.0, 3.0])
    assert single.r == 1 and np.isnan(single.sigma).all()  # σ needs two trajectories
    np.testing.assert_array_equal(single.mu_star, [1.0, 2.0])
