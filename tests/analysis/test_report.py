"""python3 -m analysis report: a self-contained HTML page with its figures, tables and the
provenance read from the file, for run files and for each kind of sweep."""
from __future__ import annotations

import html
import re

import h5py
import pandas as pd
import pytest

IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _report(cli, path, out, *extra) -> str:
    status, stdout, err = cli("report", path, "-o", out, *extra)
    assert status == 0, err
    page = out / "report.html"
    assert page.is_file() and f"wrote {page}" in stdout
    return page.read_text(encoding="utf-8")


def _self_contained(text: str) -> None:
    for src in re.findall(r'src\s*=\s*["\']([^"\']*)', text, flags=re.I):
        assert src.startswith("data:"), f"external resource {src[:80]}"
    assert "<link" not in text.lower() and "<script" not in text.lower()
    assert "http://" not in text and "https://" not in text.replace("https://www.w3.org", "")


def _provenance(text: str, path) -> None:
    with h5py.File(path) as f:
        attrs = {k: str(v) for k, v in f.attrs.items()}
        seed = str((f["/sweep"] if "sweep" in f else f["/scenario"]).attrs["master_seed"])
        sweep_id = str(f["/sweep"].attrs["sweep_id"]) if "sweep" in f else None
    for key in ("program", "program_version", "git_revision", "command_line", "created_utc",
                "schema_version"):
        assert f"<td>{key}</td><td>{html.escape(attrs[key])}</td>" in text, key
    assert f"<td>master_seed</td><td>{seed}</td>" in text
    if sweep_id:
        assert f"<td>sweep_id</td><td>{sweep_id}</td>" in text
    assert "<details><summary>Scenario file as read" in text
    assert "file_sha256" in text


def _files(out, min_figures: int) -> None:
    pngs = sorted((out / "figures").glob("*.png"))
    svgs = sorted((out / "figures").glob("*.svg"))
    assert len(pngs) >= min_figures and {p.stem for p in pngs} == {s.stem for s in svgs}
    assert not list((out / "figures").glob("*.csv")), "tables go to tables/"
    for csv in (out / "tables").glob("*.csv"):
        pd.read_csv(csv)  # every table reads back


def test_report_of_a_run_file(cli, run_file, tmp_path):
    text = _report(cli, run_file, tmp_path)
    _self_contained(text)
    _provenance(text, run_file)
    images = IMG.findall(text)
    assert len(images) >= 4  # distribution, per state, incident chains, time series
    assert all(len(b) > 1000 for b in images)
    assert text.count("<table") >= 6
    for section in ("Summary", "Per state (as victim)", "Per attacker", "Incident chains",
                    "Time series", "Provenance"):
        assert f">{section}</h2>" in text, section
    assert "Homeland" in text and "RivalAPT" in text
    assert "Homeland Expo" in text  # the mega-event is listed
    _files(tmp_path, 4)
    km = pd.read_csv(tmp_path / "tables" / "key_metrics.csv")
    assert {"metric", "unit", "mean", "ci_low", "ci_high"} <= set(km.columns)
    launched = km.set_index("metric").loc["launched"]
    with h5py.File(run_file) as f:
        assert launched["mean"] == pytest.approx(f["/runs"]["launched"].mean())


def test_report_of_a_grid_sweep_with_discovery(cli, grid_file, tmp_path, sweep_has_incidents):
    text = _report(cli, grid_file, tmp_path, "--discover-metric", "launched", "--threshold", 140)
    _self_contained(text)
    _provenance(text, grid_file)
    for section in ("Design", "Dose-response", "Time series", "Scenario discovery (PRIM)"):
        assert f">{section}</h2>" in text, section
    assert "<details><summary>Sweep file" in text and "analysis-grid" in text
    # one dose-response per parameter and one for the pair, the time series, PRIM's plots
    assert len(IMG.findall(text)) >= 3 + 1 + 2
    assert (tmp_path / "tables" / "design.csv").is_file()
    design = pd.read_csv(tmp_path / "tables" / "design.csv")
    assert len(design) == 10 and "launched mean" in design.columns
    assert (tmp_path / "tables" / "prim_launched_boxes.csv").is_file()
    if sweep_has_incidents:
        assert "most over-represented inside" in text
    _files(tmp_path, 6)


def test_report_of_a_saltelli_sweep(cli, saltelli_file, tmp_path):
    text = _report(cli, saltelli_file, tmp_path, "--metric", "damage", "--n-boot", 200)
    _self_contained(text)
    _provenance(text, saltelli_file)
    assert ">Sensitivity</h2>" in text and "Sobol indices of damage" in text
    assert ">Dose-response</h2>" not in text
    assert (tmp_path / "tables" / "sobol_damage.csv").is_file()
    assert (tmp_path / "figures" / "sobol_damage.svg").is_file()
    assert len(IMG.findall(text)) >= 3  # indices, convergence, time series


def test_report_of_a_morris_sweep(cli, morris_file, tmp_path):
    text = _report(cli, morris_file, tmp_path, "--n-boot", 200)
    _self_contained(text)
    assert "Morris screening of launched" in text
    assert (tmp_path / "tables" / "morris_launched.csv").is_file()
    assert ">Dose-response</h2>" in text  # binned, one per parameter
