"""Smoke run of bench/hub_load_bench.py (tiny counts, SQLite only): it starts the real hub, loads it from
concurrent stations, prints its table and checks every successful call was stored once."""
from __future__ import annotations

from bench import hub_load_bench


def test_bench_smoke_run_prints_the_table(capsys):
    code = hub_load_bench.main(["--stations", "1,2", "--requests", "4", "--seconds", "20", "--pace", "0.05",
                                "--pg", ""])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "calls/s" in out and "p99 ms" in out and "PostgreSQL skipped" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("sqlite")]
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("1", "1", "peak", "4", "0"), ("1", "1", "pace=0.05s", "4", "0"),
        ("1", "2", "peak", "4", "0"), ("1", "2", "pace=0.05s", "4", "0")]
