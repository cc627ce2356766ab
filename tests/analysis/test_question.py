"""Displacement (effect on COLUMN@STATE), the sweep file's [question] and its answer
(`answer`, and `report` opening on it), per-state metrics on merged shards."""
from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pandas as pd
import pytest

from analysis.effects import paired_effect
from analysis.io import open_file

WINDOW = "731..1827"  # the question's window: ["2022-01-01", 1827]


def _pairs(f, metric, p, q, window=None):
    m = f.metric(metric, points=[p, q], window=window)
    a = m[m.point == p].sort_values("replication")["value"].to_numpy()
    b = m[m.point == q].sort_values("replication")["value"].to_numpy()
    return a, b


def test_effect_on_a_state_shows_the_displacement(cli, displacement_file):
    # Points 0 and 2: Homeland's defense 0.2 -> 0.8 at RivalAPT capability 0.7. A harder
    # Homeland gets fewer attacks and RivalAPT turns to Ally: the mechanism fixes the signs.
    status, out, err = cli("effect", displacement_file, "--points", 0, 2, "-m", "launched@Homeland",
                           "--window", WINDOW, "--json", "--n-boot", 1000)
    assert status == 0, err
    d = json.loads(out)
    members = d["displacement"]["members"]
    assert set(members) == {"Homeland", "Ally", "total"}
    assert d["displacement"]["untouched"] == ["Rivalia"]  # not targetable: 0 everywhere
    with open_file(displacement_file) as f:
        for name in ("Homeland", "Ally"):
            a, b = _pairs(f, f"launched@{name}", 0, 2, WINDOW)
            assert members[name]["difference"] == pytest.approx((b - a).mean())
        a, b = _pairs(f, "launched", 0, 2, WINDOW)  # the total is the /runs count
        assert members["total"]["difference"] == pytest.approx((b - a).mean())
    assert members["Homeland"]["difference"] + members["Ally"]["difference"] == \
        pytest.approx(members["total"]["difference"])
    assert members["Homeland"]["detectable"] and members["Homeland"]["difference"] < 0
    assert members["Ally"]["detectable"] and members["Ally"]["difference"] > 0
    share = d["displacement"]["share_displaced"]
    assert share == pytest.approx(members["Ally"]["difference"] / -members["Homeland"]["difference"])
    assert 0 < d["displacement"]["share_displaced_ci_low"] <= share <= \
        d["displacement"]["share_displaced_ci_high"] < 1
    status, out, err = cli("effect", displacement_file, "--points", 0, 2, "-m", "launched@Homeland",
                           "--window", WINDOW, "--n-boot", 1000)
    assert status == 0, err
    assert re.search(r"^    Homeland \(target\) .*\n    Ally .*\n    total ", out, re.M), out
    assert "reappeared on other states" in out
    status, out, err = cli("effect", displacement_file, "--points", 0, 2, "-m", "launched@Homeland",
                           "--no-displacement", "--n-boot", 500)
    assert status == 0 and "displacement" not in out


def test_effect_on_an_attacker_shows_the_other_attackers(cli, displacement_file):
    status, out, err = cli("effect", displacement_file, "--points", 0, 1, "-m", "launched@Crew",
                           "--json", "--n-boot", 500)
    assert status == 0, err
    d = json.loads(out)["displacement"]
    assert set(d["members"]) == {"Crew", "RivalAPT", "total"} and d["target"] == "Crew"
    with open_file(displacement_file) as f:
        a, b = _pairs(f, "launched", 0, 1)
    assert d["members"]["total"]["difference"] == pytest.approx((b - a).mean())


def test_answer_pools_over_the_other_parameters_and_shows_each_combination(cli, displacement_file):
    status, out, err = cli("answer", displacement_file, "--json", "--n-boot", 1000)
    assert status == 0, err
    d = json.loads(out)
    assert d["question"] == "Does hardening Homeland deter RivalAPT, or move it to Ally?"
    assert d["compare"] == "defense" and d["baseline"] == "defense = as is" and d["mode"] == "effect"
    assert "days 731–1827 (2022-01-01 to 2025-01-01)" in d["window"]
    [c] = d["comparisons"]
    assert c["treatment"] == "defense = hardened" and c["pooled"]
    by = {r["combination"]: r for r in c["by_combination"]}
    assert set(by) == {"capability = 0.7", "capability = 0.9"}
    with open_file(displacement_file) as f:
        # design: points 0-3 = (as is, 0.7), (as is, 0.9), (hardened, 0.7), (hardened, 0.9)
        design = f.design()
        assert list(design["defense"]) == [0.2, 0.2, 0.8, 0.8]  # numbers stay numbers
        a07, b07 = _pairs(f, "launched@Homeland", 0, 2, WINDOW)
        a09, b09 = _pairs(f, "launched@Homeland", 1, 3, WINDOW)
    assert by["capability = 0.7"]["difference"] == pytest.approx((b07 - a07).mean())
    assert by["capability = 0.9"]["difference"] == pytest.approx((b09 - a09).mean())
    pooled = paired_effect((a07 + a09) / 2, (b07 + b09) / 2, n_boot=1000)
    e = c["effect"]
    assert e["n"] == 8 and e["difference"] == pytest.approx(pooled.difference)
    assert (e["ci_t_low"], e["ci_t_high"]) == pytest.approx(pooled.ci_t)
    assert (e["ci_bootstrap_low"], e["ci_bootstrap_high"]) == pytest.approx(pooled.ci_bootstrap)
    assert e["detectable"] and e["difference"] < 0
    assert c["effect"]["displacement"]["members"]["Ally"]["difference"] > 0
    # the plain command prints the answer's sentences only
    status, out, err = cli("answer", displacement_file, "--n-boot", 1000)
    assert status == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "Question: Does hardening Homeland deter RivalAPT, or move it to Ally?"
    assert lines[1].startswith("Compared with defense = as is (mean over 2 combinations of "
                               "capability), defense = hardened (mean over the same 2) reduced "
                               "launched@Homeland in days 731–1827")
    assert "reappeared on other states" in lines[2]
    assert lines[3].startswith("At the 2 combinations of the other parameters")
    assert len(lines) == 4


def test_answer_options_replace_the_question(cli, displacement_file):
    status, out, err = cli("answer", displacement_file, "--baseline", "0.8", "--treatment", "0.2",
                           "--metric", "launched@Ally", "--window", "Homeland Expo", "--json",
                           "--n-boot", 500)
    assert status == 0, err
    d = json.loads(out)
    assert d["baseline"] == "defense = hardened" and d["metric"] == "launched@Ally"
    assert "the mega-event 'Homeland Expo'" in d["window"]
    assert d["source"] == "the sweep file's [question], with the command line's changes"
    with open_file(displacement_file) as f:
        a, b = _pairs(f, "launched@Ally", 2, 0, "Homeland Expo")
        c, e = _pairs(f, "launched@Ally", 3, 1, "Homeland Expo")
    assert d["comparisons"][0]["effect"]["difference"] == pytest.approx(((b + e) / 2 - (a + c) / 2).mean())


def test_answer_of_a_continuous_parameter_is_a_slope(cli, grid_file):
    # capability is a range (0.3..0.9, 5 steps): without baseline and treatment the answer
    # is the least-squares slope within each replication, averaged over replications.
    status, out, err = cli("answer", grid_file, "--metric", "launched", "--compare", "capability",
                           "--json", "--n-boot", 1000)
    assert status == 0, err
    d = json.loads(out)
    assert d["mode"] == "slope"
    with open_file(grid_file) as f:
        m = f.metric("launched", with_design=True)
    slopes = [np.polyfit(g["capability"], g["value"], 1)[0] for _, g in m.groupby("replication")]
    assert d["slope"]["difference"] == pytest.approx(np.mean(slopes))
    assert d["slope"]["n"] == 3 and d["slope"]["points"] == 10
    assert d["slope"]["difference"] > 0  # more capability, more attacks
    status, out, err = cli("answer", grid_file, "--metric", "launched", "--compare", "capability")
    assert status == 0, err
    assert out.startswith("Each unit of capability (from 0.3 to 0.9) ")
    assert "least-squares slope within each of the 3 replications over 10 design points" in out


@pytest.mark.parametrize("args,phrase", [
    (("answer", "{grid}"), "has no [question] table"),
    (("answer", "{grid}", "--metric", "launched"), "give --compare P"),
    (("answer", "{grid}", "--metric", "launched", "--compare", "sanction"),
     "did you mean 'sanctions'"),
    (("answer", "{disp}", "--baseline", "hardend"), "did you mean 'hardened'"),
    (("answer", "{grid}", "-m", "launched", "--compare", "capability", "--baseline", "0.5"),
     "not a value the design gave parameter 'capability'"),
    (("answer", "{run}"), "a question is asked of a sweep"),
    (("answer", "{salt}", "-m", "launched", "--compare", "gain", "--baseline", "1"),
     "not a value the design gave"),
])
def test_bad_questions_exit_2(cli, grid_file, displacement_file, run_file, saltelli_file, args, phrase):
    fill = {"grid": grid_file, "disp": displacement_file, "run": run_file, "salt": saltelli_file}
    status, out, err = cli(*(a.format(**fill) if isinstance(a, str) else a for a in args))
    assert status == 2, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert phrase in err, err


def test_the_report_opens_on_the_answer(cli, displacement_file, tmp_path):
    status, out, err = cli("report", displacement_file, "-o", tmp_path, "--n-boot", 500)
    assert status == 0, err
    text = (tmp_path / "report.html").read_text()
    sections = re.findall(r'<h2 id="[^"]*">([^<]*)</h2>', text)
    assert sections[0] == "Question" and sections[1] == "Summary"
    assert "Does hardening Homeland deter RivalAPT, or move it to Ally?" in text
    first = re.search(r'<p class="sentence">([^<]*)</p>', text).group(1)
    assert first.startswith("Compared with defense = as is") and "n = 8 paired runs" in first
    table = pd.read_csv(tmp_path / "tables" / "answer_defense_hardened_displacement.csv")
    assert list(table["member"]) == ["Homeland", "Ally", "total (all states)"]
    assert (tmp_path / "tables" / "answer_defense_hardened_by_combination.csv").is_file()
    design = pd.read_csv(tmp_path / "tables" / "design.csv")
    assert "launched@Homeland mean" in design.columns  # the question's metric is primary
    by_point = pd.read_csv(tmp_path / "tables" / "states_launched_by_point.csv")
    assert {"Homeland", "Ally"} <= set(by_point.columns) and "Rivalia" not in by_point.columns


def test_per_state_metrics_on_merged_shards_equal_the_whole_sweep(binary, data_dir,
                                                                  displacement_file, tmp_path, cli):
    spec = data_dir / "displacement.toml"
    parts = []
    for shard in ("1/3", "2/3", "3/3"):
        out = tmp_path / f"part{shard[0]}.h5"
        r = subprocess.run([binary, "sweep", str(spec), "-o", str(out), "--shard", shard, "-q",
                            "--incidents", "--timeseries"], capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, r.stderr
        parts.append(out)
    merged = tmp_path / "merged.h5"
    r = subprocess.run([binary, "merge", *map(str, parts), "-o", str(merged)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with open_file(merged) as m, open_file(displacement_file) as w:
        for metric in ("launched@Homeland", "named@RivalAPT", "final_defense@Ally",
                       "launched_state_sponsored@Ally"):
            pd.testing.assert_frame_equal(m.metric(metric), w.metric(metric), check_like=True)
        pd.testing.assert_frame_equal(m.members("launched@Ally", window=WINDOW)[0],
                                      w.members("launched@Ally", window=WINDOW)[0])
    a = cli("answer", merged, "--json", "--n-boot", 500)
    b = cli("answer", displacement_file, "--json", "--n-boot", 500)
    assert a[0] == b[0] == 0
    da, db = json.loads(a[1]), json.loads(b[1])
    for d in (da, db):
        for c in d["comparisons"]:
            assert c["effect"].pop("file") in (str(merged), str(displacement_file))
    assert da["comparisons"] == db["comparisons"]
    status, out, _ = cli("metrics", merged)
    assert "per state: COLUMN@STATE" in out and "run files" not in out
    assert "in a window (--window), exact from /incidents" in out
    status, out, _ = cli("summary", merged)
    assert "launched per state (as victim)" in out and "Homeland" in out
    assert "question     Does hardening Homeland deter RivalAPT" in out


def test_a_level_gets_no_total_and_no_displaced_share(cli, displacement_file):
    status, out, err = cli("effect", displacement_file, "--points", 0, 2, "-m",
                           "final_defense@Homeland", "--json", "--n-boot", 300)
    assert status == 0, err
    d = json.loads(out)["displacement"]
    assert "total" not in d["members"] and d["share_displaced"] is None
    assert d["summary"].startswith("final_defense is a level, not a count")
