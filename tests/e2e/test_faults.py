"""Faults lose nothing and say so: a damaged part is refused by merge and --resume (exit 2,
naming the part and its tasks), a full disk is an error and not a crash, a failed write to
standard output is an error, and the leftovers of a killed merge are cleaned up."""
import os
import shutil
import signal
import subprocess

import h5py
import numpy as np
import pytest

from test_sweep_modes import (LONG, environment, listing, start_and_stop, table,
                              write_sweep)


def drop_rows(path, name, rows):
    """Deletes rows `rows` of table `name` in place, as a user with h5py could."""
    with h5py.File(path, "r+") as f:
        data = f[name][:]
        kept = np.delete(data, rows)
        f[name].resize((len(kept),))
        f[name][:] = kept


def duplicate_row(path, name, row):
    with h5py.File(path, "r+") as f:
        data = f[name][:]
        grown = np.insert(data, row, data[row])
        f[name].resize((len(grown),))
        f[name][:] = grown


@pytest.fixture(scope="module")
def shards(binary, source_dir, tmp_path_factory):
    """The small sweep of test_sweep_modes (6 points x 20 replications) in three shards,
    with /timeseries."""
    d = tmp_path_factory.mktemp("shards")
    sweep = write_sweep(d / "sweep.toml", source_dir)
    made = []
    for i in (1, 2, 3):
        out = d / f"s{i}.h5"
        r = subprocess.run([binary, "sweep", sweep, "-o", out, "--shard", f"{i}/3", "-q",
                            "--timeseries"], capture_output=True, text=True, env=environment())
        assert r.returncode == 0, r.stderr
        made.append(out)
    return made


def damaged(shards, tmp_path, damage):
    parts = []
    for p in shards:
        shutil.copy(p, tmp_path / p.name)
        parts.append(tmp_path / p.name)
    damage(parts[1])
    return parts


@pytest.mark.parametrize("damage,phrases", [
    (lambda p: drop_rows(p, "/runs", [3, 4, 5]),
     ["s2.h5: table /runs: 3 of the 39 tasks", "do not have the rows they must"]),
    (lambda p: drop_rows(p, "/runs", [0]), ["s2.h5: table /runs: 1 of the 39 tasks"]),
    (lambda p: duplicate_row(p, "/runs", 7), ["s2.h5: table /runs: 1 of the 39 tasks"]),
    (lambda p: drop_rows(p, "/timeseries", [10]),
     ["s2.h5: table /timeseries: 1 of the 39 tasks"]),
], ids=["three-runs-rows", "first-runs-row", "duplicated-runs-row", "one-period"])
def test_merge_refuses_a_part_with_missing_or_extra_rows(cli, shards, tmp_path, damage,
                                                         phrases):
    parts = damaged(shards, tmp_path, damage)
    out = tmp_path / "out.h5"
    r = cli("merge", *parts, "-o", out)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith("error: "), r.stderr
    for phrase in phrases:
        assert phrase in r.stderr, r.stderr
    assert "point " in r.stderr, "the tasks are named by point and replication"
    assert r.stderr.count("\n") == 1, "one line, no HDF5 error stack"
    assert not out.exists()
    assert sorted(listing(tmp_path)) == ["s1.h5", "s2.h5", "s3.h5"], "no temporary file"


def test_merge_of_undamaged_shards_still_works(cli, shards, tmp_path):
    r = cli("merge", *shards, "-o", tmp_path / "out.h5", "-q")
    assert r.returncode == 0, r.stderr
    assert len(table(tmp_path / "out.h5")) == 120


def test_merge_calls_a_corrupted_part_bad_input(cli, shards, tmp_path):
    parts = damaged(shards, tmp_path, lambda p: p.write_bytes(p.read_bytes()[:4096]))
    r = cli("merge", *parts, "-o", tmp_path / "out.h5")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "s2.h5" in r.stderr
    assert "HDF5-DIAG" not in r.stderr and "infinite loop" not in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1, r.stderr


@pytest.fixture
def interrupted(binary, source_dir, tmp_path):
    """A sweep of the Japan world killed (SIGKILL) after its first checkpoint part."""
    sweep = write_sweep(tmp_path / "long.toml", source_dir, template=LONG, replications=400,
                        seed=5)
    out = tmp_path / "out.h5"
    code, _, _ = start_and_stop(binary, ["sweep", sweep, "-o", out, "--threads", 2,
                                         "--checkpoint", 0.05, "-q"], out, signal.SIGKILL)
    assert code == -signal.SIGKILL
    return sweep, out


def test_resume_refuses_a_part_with_missing_rows(cli, interrupted):
    sweep, out = interrupted
    parts = sorted((out.parent / (out.name + ".parts")).glob("*.h5"))
    drop_rows(parts[0], "/runs", [0, 1, 2])
    r = cli("sweep", sweep, "-o", out, "--resume", "-q")
    assert r.returncode == 2, r.stdout + r.stderr
    assert parts[0].name in r.stderr
    assert "rows in /runs: it is damaged" in r.stderr
    assert not out.exists()
    # Removing the damaged part is the way on: its tasks run again.
    parts[0].unlink()
    r = cli("sweep", sweep, "-o", out, "--resume", "-q", "--threads", 2)
    assert r.returncode == 0, r.stderr
    assert len(table(out)) == 8 * 400


# --- a full disk -------------------------------------------------------------------------

@pytest.fixture
def full_disk(tmp_path):
    """A 1 MiB tmpfs, mounted for the test (root only)."""
    mount = tmp_path / "full"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root and mount rights): "
                    + r.stderr.strip())
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def assert_disk_full_error(r):
    assert r.returncode == 1, f"exit {r.returncode}: {r.stderr}"
    assert r.stderr.startswith("error: "), r.stderr
    assert "No space left on device" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1, "one line, no HDF5 error stack: " + r.stderr
    assert "errno" not in r.stderr and "HDF5-DIAG" not in r.stderr, r.stderr


def test_run_on_a_full_disk_is_an_error_not_a_crash(cli, source_dir, full_disk):
    r = cli("run", source_dir / "scenarios/minimal.toml", "-o", full_disk / "r.h5",
            "--replications", 3000, "-q")
    assert_disk_full_error(r)
    assert listing(full_disk) == [], "no output and no temporary file"


def test_sweep_on_a_full_disk_keeps_its_progress(cli, source_dir, full_disk,
                                                 tmp_path):
    sweep = write_sweep(tmp_path / "sweep.toml", source_dir, replications=500)
    out = full_disk / "s.h5"
    r = cli("sweep", sweep, "-o", out, "-q", "--timeseries", "--threads", 1)
    assert_disk_full_error(r)
    assert not out.exists()
    # With space again, the run resumes to the same file as an uninterrupted one.
    parts = full_disk / "s.h5.parts"
    moved = tmp_path / "s.h5.parts"
    shutil.copytree(parts, moved)
    r = cli("sweep", sweep, "-o", tmp_path / "s.h5", "-q", "--timeseries", "--resume")
    assert r.returncode == 0, r.stderr
    r = cli("sweep", sweep, "-o", tmp_path / "ref.h5", "-q", "--timeseries")
    assert r.returncode == 0, r.stderr
    for name in ("/runs", "/timeseries"):
        assert table(tmp_path / "s.h5", name).tobytes() == table(tmp_path / "ref.h5",
                                                                   name).tobytes()


def test_merge_on_a_full_disk_is_an_error_not_a_crash(cli, binary, source_dir, full_disk,
                                                      tmp_path):
    sweep = write_sweep(tmp_path / "sweep.toml", source_dir, replications=400)
    parts = []
    for i in (1, 2):
        parts.append(tmp_path / f"p{i}.h5")
        r = cli("sweep", sweep, "-o", parts[-1], "--shard", f"{i}/2", "-q", "--timeseries")
        assert r.returncode == 0, r.stderr
    r = cli("merge", *parts, "-o", full_disk / "m.h5", "--compression", 0)
    assert_disk_full_error(r)
    assert listing(full_disk) == []


# --- standard output and options ---------------------------------------------------------

@pytest.mark.parametrize("command", [
    lambda s, t: ["describe", s / "scenarios/minimal.toml"],
    lambda s, t: ["validate", s / "scenarios/minimal.toml"],
    lambda s, t: ["run", s / "scenarios/minimal.toml", "-o", t / "r.h5"],
], ids=["describe", "validate", "run"])
def test_a_failed_write_to_standard_output_is_an_error(binary, source_dir, tmp_path, command):
    with open("/dev/full", "w") as full:
        r = subprocess.run([binary, *map(str, command(source_dir, tmp_path))], stdout=full,
                           stderr=subprocess.PIPE, text=True)
    assert r.returncode == 1, r.stderr
    assert r.stderr == "error: cannot write to standard output: No space left on device\n" \
        or r.stderr == "error: cannot write to standard output\n", r.stderr


@pytest.mark.parametrize("args,phrase", [
    (["--checkpoint", "nan"], "--checkpoint: expected a number in [0.01, 86400], got 'nan'"),
    (["--checkpoint", "inf"], "got 'inf'"),
    (["--checkpoint", "0x1p3"], "got '0x1p3'"),
])
def test_sweep_options_must_be_finite(cli, source_dir, tmp_path, args, phrase):
    sweep = write_sweep(tmp_path / "sweep.toml", source_dir)
    r = cli("sweep", sweep, "-o", tmp_path / "o.h5", *args)
    assert r.returncode == 2, r.stderr
    assert phrase in r.stderr, r.stderr
    assert listing(tmp_path) == ["sweep.toml"]


@pytest.mark.parametrize("days", ["1e-9", "0", "-1", "nan", "1e-400", "0x1p3", "1e300"])
def test_run_horizon_is_at_least_one_tick(cli, source_dir, tmp_path, days):
    r = cli("run", source_dir / "scenarios/japan_2015_2021.toml", "-o", tmp_path / "r.h5",
            f"--horizon-days={days}", timeout=20)
    assert r.returncode == 2, r.stderr
    assert "--horizon-days: expected a number of days from one second" in r.stderr, r.stderr
    assert listing(tmp_path) == []


# --- sweep parameter names ---------------------------------------------------------------

NAMED = """\
base = "{base}"
[design]
kind = "grid"
[[parameters]]
name = {first}
path = "attackers.RivalAPT.capability"
values = [0.3, 0.6]
[[parameters]]
name = {second}
path = "states.Homeland.defense"
values = [0.2, 0.5]
"""


@pytest.mark.parametrize("first,second,line,phrase", [
    ('"x"', '"x"', 9, "two parameters are named 'x'"),
    ('"a/b"', '"c"', 5, "has a '/'"),
    ('"a\\u0000b"', '"c"', 5, "control characters"),
    ('""', '"c"', 5, "may not be empty"),
    ('"point"', '"c"', 5, "'point' is reserved"),
], ids=["duplicate", "slash", "nul", "empty", "reserved"])
def test_sweep_parameter_names_are_checked_when_the_file_is_read(cli, source_dir, tmp_path,
                                                                 first, second, line, phrase):
    sweep = tmp_path / "names.toml"
    sweep.write_text(NAMED.format(base=source_dir / "scenarios/minimal.toml", first=first,
                                  second=second))
    r = cli("sweep", sweep, "-o", tmp_path / "o.h5", timeout=60)
    assert r.returncode == 2, r.stderr
    assert f"names.toml:{line}:" in r.stderr, r.stderr
    assert phrase in r.stderr, r.stderr
    assert listing(tmp_path) == ["names.toml"], "no output, no progress directory"


# --- leftovers -----------------------------------------------------------------------------

def dead_pid():
    """The id of a process that has just ended."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_new_run_removes_the_partial_files_of_dead_merges(cli, source_dir, tmp_path):
    sweep = write_sweep(tmp_path / "sweep.toml", source_dir)
    out = tmp_path / "out.h5"
    stale = tmp_path / f"out.h5.partial-{dead_pid()}"
    stale.write_bytes(b"\0" * 4096)
    alive = tmp_path / f"out.h5.partial-{os.getpid()}"  # a process that still runs
    alive.write_bytes(b"\0" * 4096)
    other = tmp_path / "other.h5.partial-1"
    other.write_bytes(b"")
    r = cli("sweep", sweep, "-o", out, "--threads", 1)
    assert r.returncode == 0, r.stderr
    assert f"removed {stale}" in r.stderr
    assert not stale.exists()
    assert alive.exists() and other.exists(), "only the output's files of dead processes go"
    # merge does the same for its output.
    stale2 = tmp_path / f"out2.h5.partial-{dead_pid()}"
    stale2.write_bytes(b"")
    shards = []
    for i in (1, 2):
        shards.append(tmp_path / f"s{i}.h5")
        assert cli("sweep", sweep, "-o", shards[-1], "--shard", f"{i}/2", "-q").returncode == 0
    r = cli("merge", *shards, "-o", tmp_path / "out2.h5", "-q")
    assert r.returncode == 0, r.stderr
    assert not stale2.exists()


# --- values the model cannot simulate ------------------------------------------------------

@pytest.mark.parametrize("override,key,phrase", [
    ("attackers.APT10.opportunity_rate=1e300", "attackers.APT10.opportunity_rate",
     "at most one per tick"),
    ("attackers.APT10.opportunity_rate=80000", "attackers.APT10.opportunity_rate",
     "more than run.max_events"),
    ("attackers.Sandworm.scarce.arrival_rate=1e12", "attackers.Sandworm.scarce.arrival_rate",
     "at most one per tick"),
    ("run.reporting_days=1e-9", "run.reporting_days", "from one tick of one second"),
    ("states.Japan.economy=1e308", "states.Japan.economy", "(0, 1e+06]"),
    ("programs[0].rate=1e308", "programs[0].rate", "[0, 1e+06]"),
    ("calibration.severity_sigma=1e300", "calibration.severity_sigma", "[0, 5]"),
    ("attackers.APT10.gain=1e308", "attackers.APT10.gain", "[0, 1e+12]"),
    ("sectors.government.value_multiplier=1e308", "sectors.government.value_multiplier",
     "(0, 1e+06]"),
    ("attackers.APT10.coalition_exponent=1e12", "attackers.APT10.coalition_exponent", "[0, 10]"),
], ids=["opportunity-1e300", "opportunity-budget", "arrival-1e12", "reporting-1e-9",
        "economy-1e308", "program-rate-1e308", "severity-sigma-1e300", "gain-1e308",
        "sector-multiplier-1e308", "coalition-exponent-1e12"])
def test_values_the_model_cannot_simulate_are_refused_at_their_key(cli, source_dir, tmp_path,
                                                                   override, key, phrase):
    """Each of these hung, ran away, or wrote inf/0 as if fine (issue: faults lose nothing)."""
    r = cli("run", source_dir / "scenarios/japan_2015_2021.toml", "-o", tmp_path / "r.h5",
            "--set", override, timeout=30)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    assert f": {key}: " in r.stderr, r.stderr
    assert phrase in r.stderr, r.stderr
    assert listing(tmp_path) == []


def test_a_run_past_its_event_budget_stops_with_a_message(cli, source_dir, tmp_path):
    r = cli("run", source_dir / "scenarios/japan_2015_2021.toml", "-o", tmp_path / "r.h5",
            "--set", "run.max_events=1000", "--replications", "4", timeout=30)
    assert r.returncode == 2, r.stderr
    assert "run.max_events: replication 0 reached 1000 events at day" in r.stderr, r.stderr
    assert "raise run.max_events" in r.stderr
    assert listing(tmp_path) == [], "no half-written output"


# --- checksums ------------------------------------------------------------------------------

def flip_a_byte(path, table):
    """Flips one byte inside the first stored chunk of `table`, as a failing disk could."""
    with h5py.File(path, "r") as f:
        chunk = f[table].id.get_chunk_info(0)
    with open(path, "r+b") as raw:
        raw.seek(chunk.byte_offset + chunk.size // 2)
        byte = raw.read(1)
        raw.seek(chunk.byte_offset + chunk.size // 2)
        raw.write(bytes([byte[0] ^ 0xFF]))


@pytest.mark.parametrize("table", ["/runs", "/states", "/attackers"])
def test_a_flipped_byte_in_an_uncompressed_part_is_bad_input(cli, source_dir, tmp_path, table):
    """Without compression nothing checked a part's data: a flipped byte merged silently.
    Every table carries HDF5's Fletcher32 checksum now."""
    sweep = write_sweep(tmp_path / "sweep.toml", source_dir)
    parts = []
    for i in (1, 2):
        parts.append(tmp_path / f"p{i}.h5")
        r = cli("sweep", sweep, "-o", parts[-1], "--shard", f"{i}/2", "-q", "--compression", 0)
        assert r.returncode == 0, r.stderr
    with h5py.File(parts[1]) as f:
        assert all(f[t].fletcher32 for t in ("runs", "states", "attackers")), "checksummed"
        assert f[table].compression is None
    flip_a_byte(parts[1], table)
    r = cli("merge", *parts, "-o", tmp_path / "m.h5", "-q")
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    assert f"p2.h5: table {table}: cannot be read, the part is damaged" in r.stderr, r.stderr
    assert "Fletcher32" in r.stderr
    assert not (tmp_path / "m.h5").exists()
