"""bench/lease_bench.py runs end to end (one short round) and finds the hub's counts matching."""
from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "lease_bench.py"


def test_one_short_round_sells_the_lease_and_gives_the_rest_back(capsys):
    spec = importlib.util.spec_from_file_location("lease_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--rounds", "1", "--sales", "3", "--max-seconds", "240"]) == 0
    out = capsys.readouterr().out
    assert "3 offline sales" in out and "sales per minute" in out and "hub: sold 3, leased 0" in out
