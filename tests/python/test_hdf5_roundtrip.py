"""Reads a file written by tests/sim/hdf5_roundtrip_writer.cpp with h5py, pandas and h5dump.

Run with Debian's interpreter (the one that sees python3-h5py):
    CYBERDETER_HDF5_WRITER=build/tests/sim/hdf5_roundtrip_writer /usr/bin/python3 -m pytest -q tests/python/test_hdf5_roundtrip.py
"""

import os
import re
import shutil
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest

ROWS = 2500
COLUMNS = ["replication", "point", "attacks", "damage", "share", "deterred", "name",
           "code", "delta", "level", "port", "events"]
UNITS = ["1", "1", "count", "VU", "1", "", "", "1", "1", "1", "1", "count"]
SCENARIO_TEXT = '# Round-trip scenario\nname = "Zürich ✓"\nyears = 5\n'


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    writer = os.environ.get("CYBERDETER_HDF5_WRITER")
    if not writer:
        pytest.skip("CYBERDETER_HDF5_WRITER is not set (ctest sets it to the built writer)")
    directory = tmp_path_factory.mktemp("hdf5")
    path = directory / "roundtrip.h5"
    subprocess.run([writer, str(path)], check=True)
    return path


def test_runs_table_loads_into_pandas_in_one_line(written):
    df = pd.DataFrame(h5py.File(written)["/runs"][:])
    i = np.arange(ROWS)
    assert list(df.columns) == COLUMNS
    assert len(df) == ROWS
    np.testing.assert_array_equal(df["replication"], i)
    np.testing.assert_array_equal(df["point"], i % 7)
    np.testing.assert_array_equal(df["attacks"], i * 3 % 11 - 5)
    np.testing.assert_array_equal(df["damage"], i * 0.5)
    np.testing.assert_array_equal(df["share"], (i / 4).astype(np.float32))
    assert df["deterred"].dtype == np.bool_
    np.testing.assert_array_equal(df["deterred"], i % 3 == 0)
    assert df["name"].str.decode("utf-8").tolist() == [f"name-{k}" for k in range(ROWS)]
    np.testing.assert_array_equal(df["code"], i % 256)
    np.testing.assert_array_equal(df["delta"], i % 256 - 128)
    np.testing.assert_array_equal(df["level"], i - 1000)
    np.testing.assert_array_equal(df["port"], i * 20 % 65536)
    np.testing.assert_array_equal(df["events"], (1 << 40) + i)
    expected_kinds = {"replication": "i8", "point": "u4", "attacks": "i4", "damage": "f8",
                      "share": "f4", "code": "u1", "delta": "i1", "level": "i2", "port": "u2",
                      "events": "u8"}
    for column, kind in expected_kinds.items():
        assert df[column].dtype == np.dtype(kind), column


def test_table_is_chunked_compressed_and_appendable(written):
    with h5py.File(written) as f:
        runs = f["/runs"]
        assert runs.shape == (ROWS,)
        assert runs.maxshape == (None,)
        assert runs.chunks == (1000,)
        assert runs.compression == "gzip"
        assert runs.shuffle


def test_units_and_descriptions_are_readable(written):
    with h5py.File(written) as f:
        attrs = f["/runs"].attrs
        assert list(attrs["units"]) == UNITS
        assert len(attrs["descriptions"]) == len(COLUMNS)
        assert attrs["descriptions"][3] == "Total damage"
        assert attrs["damage_unit"] == "VU"
        assert attrs["damage_description"] == "Total damage"
        assert attrs["description"] == "One row per run"
        assert attrs["replications"] == ROWS
        for column, unit in zip(COLUMNS, UNITS):
            assert attrs[f"{column}_unit"] == unit
            assert isinstance(attrs[f"{column}_description"], str)


def test_provenance_attributes_are_python_strings(written):
    with h5py.File(written) as f:
        attrs = f.attrs
        for name in ["program", "program_version", "git_revision", "command_line",
                     "created_utc", "schema_version"]:
            assert isinstance(attrs[name], str), name
        assert attrs["program"] == "hdf5_roundtrip_writer"
        assert attrs["schema_version"] == "test-1"
        assert str(written) in attrs["command_line"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", attrs["created_utc"])


def test_scenario_text_and_design_datasets(written):
    with h5py.File(written) as f:
        assert f["/scenario/text"].asstr()[()] == SCENARIO_TEXT
        np.testing.assert_array_equal(f["/design/values"][:], [0.5, 1.0, 2.0])
        assert f["/design/values"].attrs["unit"] == "days"
        assert list(f["/design/names"].asstr()[:]) == ["states.Japan.doctrine.sanction.enabled"]


def test_only_the_final_file_is_left(written):
    assert sorted(p.name for p in written.parent.iterdir()) == [written.name]


def test_h5dump_parses_the_file(written):
    h5dump = shutil.which("h5dump")
    if h5dump is None:
        pytest.skip("h5dump (hdf5-tools) is not installed")
    result = subprocess.run([h5dump, "-H", str(written)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert 'DATASET "runs"' in result.stdout
    assert 'ATTRIBUTE "created_utc"' in result.stdout
