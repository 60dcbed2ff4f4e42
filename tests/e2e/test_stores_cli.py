"""`gapwatch stores load` and `stores list`: the store directory from a CSV, its mistakes
named in one line."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest

pytestmark = pytest.mark.e2e


def gapwatch(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_directory_loads_replaces_and_lists(settings, tmp_path):
    env = settings.env()
    first = tmp_path / "stores.csv"
    first.write_text("store_id,region,brand\nA1,north,fastfix\nA2,south,fastfix\nA3,,\n")
    loaded = gapwatch(env, "stores", "load", str(first))
    assert loaded.returncode == 0, loaded.stderr
    assert "3 stores recorded: 2 regions, 1 brands" in loaded.stdout
    moved = tmp_path / "moved.csv"
    moved.write_text("store_id,region,brand\nA2,north,fastfix\n")
    assert gapwatch(env, "stores", "load", str(moved)).returncode == 0
    listed = gapwatch(env, "stores", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert [orjson.loads(line) for line in listed.stdout.splitlines()] == [
        {"store_id": "A1", "region": "north", "brand": "fastfix"},
        {"store_id": "A2", "region": "north", "brand": "fastfix"},
        {"store_id": "A3", "region": "", "brand": ""},
    ]


def test_a_bad_directory_is_refused_in_one_line(settings, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("store,region,brand\nA1,north,x\n")
    run = gapwatch(settings.env(), "stores", "load", str(bad))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "bad.csv: the header lacks store_id" in run.stderr
