"""Shared fixtures for the tests that run the real binary on real files (tests/e2e and
tests/calibrate). tests/analysis overrides `binary` and `cli` with its own, and
tests/slurm `binary` (an absolute path, for jobs that run elsewhere)."""
import os
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def binary() -> str:
    path = os.environ.get("CYBERDETER_BIN")
    if not path:
        pytest.fail("CYBERDETER_BIN is not set: run these tests through ctest")
    return path


@pytest.fixture(scope="session")
def source_dir() -> Path:
    return Path(os.environ.get("CYBERDETER_SOURCE", Path(__file__).resolve().parents[1]))


@pytest.fixture
def cli(binary):
    """Runs cyberdeter with arguments; returns the CompletedProcess (text mode)."""

    def run(*args, cwd=None, timeout=300):
        return subprocess.run([binary, *map(str, args)], capture_output=True, text=True,
                              cwd=cwd, timeout=timeout)

    return run
