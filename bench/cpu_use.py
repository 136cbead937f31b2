"""CPU accounting for benches on Linux (/proc): CPU time of the hub's and PostgreSQL's processes, and the
share of the machine's CPU its host took away (steal). Elsewhere every figure reads 0."""
from __future__ import annotations

import os


def _proc_ticks(pid: str) -> tuple[int, str] | None:
    """(user + system CPU ticks, command line) of one process, or None if it is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        return int(fields[11]) + int(fields[12]), cmd
    except (OSError, IndexError, ValueError):
        return None


def cpu_snapshot() -> dict[str, int]:
    """CPU ticks per process id of the hub processes and of PostgreSQL's processes (Linux /proc; {} elsewhere)."""
    out: dict[str, int] = {}
    if not os.path.isdir("/proc"):
        return out
    for pid in os.listdir("/proc"):
        got = _proc_ticks(pid) if pid.isdigit() else None
        if got and ("sync.hub.server" in got[1] or got[1].startswith("postgres")):
            out[("hub:" if "sync.hub.server" in got[1] else "db:") + pid] = got[0]
    return out


def cpu_split(before: dict[str, int], after: dict[str, int]) -> tuple[float, float]:
    """Seconds of CPU the hub processes and the database processes used between two snapshots."""
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    hub = sum(t - before.get(k, 0) for k, t in after.items() if k.startswith("hub:")) / hz
    db = sum(t - before.get(k, 0) for k, t in after.items() if k.startswith("db:")) / hz
    return hub, db


def steal_ticks() -> tuple[int, int]:
    """(all CPU ticks, stolen ticks) of the machine from /proc/stat: a virtual machine whose host takes CPU
    away shows it here, and its figures are not comparable with a quiet run's."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return sum(fields[:8]), fields[7]
    except (OSError, ValueError, IndexError):
        return 0, 0
