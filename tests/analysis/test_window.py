"""Time windows (analysis.window): exact counts from /incidents that add up to the tables,
whole reporting periods from /timeseries with the span used said, and refusals that say
what to do (exit status 2)."""
from __future__ import annotations

import json
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest

from analysis import window as W
from analysis.io import BadInput, open_file
from conftest import MINIMAL


def test_over_the_whole_horizon_every_incident_count_equals_the_tables(run_file, displacement_file):
    # The times at which analysis.window places each count must be the model's: over
    # [0, horizon] the windowed counts equal /runs, /states and /attackers exactly.
    for path in (run_file, displacement_file):
        with open_file(path) as f:
            w = W.parse_window(f, f"0..{f.scenario_attrs['horizon_days']}")
            runs = f.runs()
            columns = [c for c in W._COUNTS if c in runs]
            # Every count is a /runs column, but the attackers' gain (/attackers only).
            assert set(W._COUNTS) - set(columns) == {"gain"}
            got = W.incident_counts(f, columns, w)
            for c in columns:
                assert np.array_equal(got[c], runs[c].to_numpy(float)) or \
                    np.allclose(got[c], runs[c].to_numpy(float), rtol=1e-12), c
            for entity, table, counts in (("state", "states", W.STATE_COUNTS),
                                          ("attacker", "attackers", W.ATTACKER_COUNTS)):
                t = f.table(table, decode=False)
                for c in counts:
                    if c not in t:
                        continue  # the per-kind counts: checked against /runs above
                    values, use = W.member_counts(f, c, entity, w, c)
                    expected = t.pivot_table(index=["point", "replication"], columns=entity,
                                             values=c).to_numpy()
                    assert values.shape == expected.shape
                    assert np.allclose(values, expected, rtol=1e-12), (entity, c)
                    assert use.source == "incidents"


def test_an_exact_window_counts_the_incidents_landed_in_it(run_file, cli):
    # launched@Homeland during the Homeland Expo (days 1247–1277, both ends in), counted
    # here from the raw table with h5py.
    with h5py.File(run_file) as h:
        inc = h["/incidents"][:]
    landed = inc["landed_day"]
    inside = (landed >= 1247) & (landed <= 1277) & (inc["victim"] == 0)
    expected = np.bincount(inc["replication"][inside].astype(int), minlength=20)
    with open_file(run_file) as f:
        by_name = f.metric("launched@Homeland", window="Homeland Expo")
        by_days = f.metric("launched@Homeland", window="1247..1277")
        by_date = f.metric("launched@Homeland", window="2023-06-01..2023-07-01")
    assert np.array_equal(by_name["value"].to_numpy(), expected)
    assert np.array_equal(by_days["value"], by_name["value"])
    assert np.array_equal(by_date["value"], by_name["value"])  # a date is its midnight
    use = by_name.attrs["window"]
    assert use.source == "incidents" and (use.start, use.end) == (1247.0, 1277.0)
    assert "the mega-event 'Homeland Expo'" in use.text() and "exact" in use.text()
    assert "2023-06-01 to 2023-07-01" in use.text()
    # a ratio in a window: both of its counts in the window
    with open_file(run_file) as f:
        rate = f.metric("detected/launched", window="Homeland Expo")["value"].to_numpy()
        det = W.incident_counts(f, ["detected", "launched"], W.parse_window(f, "Homeland Expo"))
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(det["launched"] > 0, det["detected"] / det["launched"], np.nan)
    assert np.allclose(rate, expected, equal_nan=True) and np.isnan(rate).any()


def test_timeseries_windows_use_whole_periods_and_agree_with_incidents(run_file):
    with open_file(run_file) as f:
        w = W.parse_window(f, "100..400")
        first, last, lo, hi = W.whole_periods(f, w)
        p = W.periods(f)
        assert first == 4 and last == 12  # periods of 30.4375 days: 4 starts at 121.75
        assert lo == pytest.approx(p.start_day[4]) and hi == pytest.approx(p.end_day[12])
        assert lo >= 100 and hi <= 400 and p.start_day[3] < 100 and p.end_day[13] > 400
        cols = ["launched", "succeeded", "damage", "detected", "attributed", "public_responses",
                "launched_state_sponsored"]
        ts, use = W.timeseries_counts(f, cols, w)
        exact = W.incident_counts(f, cols, W.Window(lo, hi, "used"))
        for c in cols:
            assert np.allclose(ts[c], exact[c], rtol=1e-12), c
        assert use.source == "timeseries" and use.periods == (4, 12)
        assert "whole reporting periods 4–12" in use.text()


def test_a_file_without_incidents_counts_whole_periods_and_says_so(cli, saltelli_file):
    status, out, err = cli("effect", saltelli_file, "--points", 0, 1, "-m", "launched",
                           "--window", "100..400", "--json", "--n-boot", 200)
    assert status == 0, err
    d = json.loads(out)
    assert d["window_source"] == "timeseries" and d["window_periods"] == [4, 12]
    assert "days 121.75–395.688" in d["window_text"]
    assert "no /incidents" in d["window_text"]
    with open_file(saltelli_file) as f:
        ts = f.timeseries(["launched"])
    sel = ts[(ts.period >= 4) & (ts.period <= 12)].groupby(["point", "replication"])["launched"].sum()
    expected = sel.loc[1].to_numpy(float) - sel.loc[0].to_numpy(float)
    assert d["difference"] == pytest.approx(expected.mean())


@pytest.mark.parametrize("args,phrase", [
    (("effect", "{salt}", "--points", 0, 1, "-m", "launched", "--window", "100..110"),
     "holds no whole reporting period of /timeseries"),
    (("effect", "{salt}", "--points", 0, 1, "-m", "launched@Homeland", "--window", "100..400"),
     "re-run with --incidents"),
    (("effect", "{salt}", "--points", 0, 1, "-m", "mean_detection_delay", "--window", "0..1000"),
     "'mean_detection_delay' in a window needs /incidents (exact) or /timeseries with "
     "detection_delay_days_sum"),
    (("effect", "{disp}", "--points", 0, 1, "-m", "events", "--window", "0..1000"),
     "events is not counted per incident or per reporting period"),
    (("dose", "{disp}", "-m", "final_defense@Homeland", "-p", "defense", "-o", "{tmp}",
      "--window", "0..100"), "does not count 'final_defense' per state"),
    (("effect", "{run}", "{run}", "-m", "launched", "--window", "0..5000"), "outside the horizon"),
    (("effect", "{run}", "{run}", "-m", "launched", "--window", "300..200"), "ends (day 200) before"),
    (("effect", "{run}", "{run}", "-m", "launched", "--window", "Homeland Exp"),
     "did you mean 'Homeland Expo'"),
    (("effect", "{run}", "{run}", "-m", "launched", "--window", "2021-02-30..2022-01-01"),
     "not a calendar date"),
    (("timeseries", "{disp}", "-o", "{tmp}", "--window", "1..20"), "holds no whole reporting period"),
])
def test_bad_windows_exit_2_with_what_to_do(cli, run_file, saltelli_file, displacement_file,
                                            tmp_path, args, phrase):
    fill = {"run": run_file, "salt": saltelli_file, "disp": displacement_file, "tmp": tmp_path}
    status, out, err = cli(*(a.format(**fill) if isinstance(a, str) else a for a in args))
    assert status == 2, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert phrase in err, err


def test_timeseries_and_dose_in_a_window(cli, displacement_file, tmp_path):
    status, out, err = cli("timeseries", displacement_file, "-o", tmp_path / "ts", "--window",
                           "2022-01-01..2022-12-31")
    assert status == 0, err
    t = pd.read_csv(tmp_path / "ts" / "timeseries.csv")
    with open_file(displacement_file) as f:
        p = W.periods(f)
    inside = p[(p.start_day >= 731) & (p.end_day <= 1095)].period
    assert sorted(t.period.unique()) == list(inside)
    assert f"the reporting periods {inside.min()}–{inside.max()} wholly inside it are shown" in out
    assert (inside.min(), inside.max()) == (25, 34)  # 24 starts at day 730.5, 35 ends at 1095.75
    status, out, err = cli("dose", displacement_file, "-m", "launched@Ally", "-p", "defense",
                           "-o", tmp_path / "dose", "--window", "731..1827")
    assert status == 0, err
    table = pd.read_csv(tmp_path / "dose" / "dose_launched_at_Ally_defense_window.csv")
    with open_file(displacement_file) as f:
        m = f.metric("launched@Ally", window="731..1827", with_design=True)
    assert table.set_index("defense")["mean"].to_dict() == pytest.approx(
        m.groupby("defense")["value"].mean().to_dict())
    assert "exact, counted from /incidents" in out


def test_windows_from_the_question_accept_toml_dates(displacement_file):
    import datetime
    with open_file(displacement_file) as f:
        a = W.parse_window(f, ["2022-01-01", 1827])
        b = W.parse_window(f, [datetime.date(2022, 1, 1), 1827.0])
        assert (a.start, a.end) == (b.start, b.end) == (731.0, 1827.0)
        with pytest.raises(BadInput, match="expected \\[start, end\\]"):
            W.parse_window(f, [1, 2, 3])


def test_scheduled_public_acts_are_not_placed_by_incidents(binary, data_dir, tmp_path, cli):
    # A scheduled sanction (docs/model.md §10.3) adds to sanctions_imposed, the costs and
    # the named attacker's `named` without an incident record: a window cannot take those
    # from /incidents. Run-level sanctions_imposed falls back to whole periods of
    # /timeseries, saying why; per state or attacker, and the costs, are refused.
    scenario = tmp_path / "scheduled.toml"
    scenario.write_text(MINIMAL.read_text() + '\n[[scheduled]]\nstate = "Homeland"\n'
                        'action = "sanction"\ntarget = "RivalAPT"\nday = 400\n')
    out = tmp_path / "scheduled.h5"
    r = subprocess.run([binary, "run", str(scenario), "-o", str(out), "-q", "--replications",
                        "4", "--incidents"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with open_file(out) as f:
        assert W.scheduled_public_acts(f)
        runs = f.runs(["sanctions_imposed"])
        counted = W.incident_counts(f, ["sanctions_imposed"], W.parse_window(f, "0..1827"))
        assert (runs["sanctions_imposed"].to_numpy() > counted["sanctions_imposed"]).all()
        m = f.metric("sanctions_imposed", window="0..1826.5")
        assert m.attrs["window"].source == "timeseries"
        assert "scheduled public acts add to sanctions_imposed" in m.attrs["window"].text()
        assert m.attrs["window"].periods == (0, 59)
        assert f.metric("launched@Homeland", window="0..400").attrs["window"].source == "incidents"
    for metric in ("sanctions_imposed@Homeland", "named@RivalAPT", "sanction_cost"):
        status, _, err = cli("effect", out, out, "-m", metric, "--window", "0..1000")
        assert status == 2 and "scheduled public acts" in err, (metric, err)


def test_damage_and_gain_in_a_window_are_net_of_resilience(binary, data_dir):
    """With resilience, the victim's damage and the attacker's gain are less than the
    severity (docs/model.md §5.5): windows count what the tables count."""
    out = data_dir / "resilient.h5"
    args = [binary, "run", MINIMAL, "-o", out, "--replications", 6, "--incidents", "-q",
            "--set", "states.Homeland.resilience=0.3", "--set", "attackers.RivalAPT.disruption=0.5"]
    subprocess.run([str(a) for a in args], check=True)
    with open_file(out) as f:
        w = W.parse_window(f, f"0..{f.scenario_attrs['horizon_days']}")
        got = W.incident_counts(f, ["damage"], w)
        assert np.allclose(got["damage"], f.runs()["damage"].to_numpy(float), rtol=1e-12)
        inc = f.incidents(decode=False)
        assert (inc.damage < inc.severity).any(), "resilience took a share"
        for entity, table, column in (("state", "states", "damage"),
                                      ("attacker", "attackers", "gain")):
            values, use = W.member_counts(f, column, entity, w, column)
            expected = f.table(table, decode=False).pivot_table(
                index=["point", "replication"], columns=entity, values=column).to_numpy()
            assert np.allclose(values, expected, rtol=1e-12), (entity, column)
