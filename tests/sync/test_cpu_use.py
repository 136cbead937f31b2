"""bench/cpu_use.py: the CPU accounting the hub load bench prints (hub / database processes, steal)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench.cpu_use import cpu_snapshot, cpu_split, steal_ticks

linux = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")


@linux
def test_a_busy_hub_process_is_counted_as_hub_cpu():
    """A process whose command line names sync.hub.server is counted under the hub; its CPU shows."""
    code = "import time; t = time.process_time()\nwhile time.process_time() - t < 0.3: pass\ntime.sleep(5)"
    proc = subprocess.Popen([sys.executable, "-c", code, "sync.hub.server"])
    try:
        before = cpu_snapshot()  # the child may not have run yet: its CPU counts from 0 then
        time.sleep(1.0)
        hub, _db = cpu_split(before, cpu_snapshot())
        assert hub >= 0.2
    finally:
        proc.kill()
        proc.wait()


@linux
def test_steal_is_a_part_of_all_ticks():
    total, stolen = steal_ticks()
    assert total > 0 and 0 <= stolen <= total
