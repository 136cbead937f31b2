"""Several hub processes on one listening socket (`tessera hub serve --workers N`, issue 11; used by
sync.hub.server.serve). Where the OS can fork, the parent forks N workers after it has imported everything and
prepared the database: a worker serves within a second even on a loaded machine (spawned interpreters
re-import FastAPI, SQLAlchemy and the core: 10-100 s under load, long enough for uvicorn's own supervisor to
think them hung and replace them). Elsewhere uvicorn's supervisor (spawn) runs them.

The parent holds no database connection and runs no threads when it forks. It forwards SIGTERM/SIGINT to the
workers, waits for them, and replaces a worker that dies while the hub is not stopping (at most
MAX_RESTARTS times, then it stops them all)."""
from __future__ import annotations

import logging
import os
import signal
import socket
from typing import Callable

import uvicorn

logger = logging.getLogger(__name__)
MAX_RESTARTS = 10


def run_forked(make_app: Callable[[], object], sock: socket.socket, workers: int, *, log_level: str) -> None:
    """Serve `make_app()` (called in each worker) from `workers` forked processes accepting on `sock`; returns
    when every worker has exited after SIGTERM/SIGINT (or after too many crashes)."""
    children: dict[int, int] = {}  # pid -> slot
    stopping = False

    def stop(_sig=None, _frame=None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            _signal(pid, signal.SIGTERM)

    def fork(slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                config = uvicorn.Config(make_app(), log_level=log_level, access_log=False)
                uvicorn.Server(config).run(sockets=[sock])
            except BaseException:  # noqa: BLE001 - a worker must never return into the parent's code
                logger.exception("hub worker %d failed", os.getpid())
                code = 1
            finally:
                os._exit(code)
        children[pid] = slot
        logger.info("hub worker %d started (slot %d)", pid, slot)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    restarts = 0
    try:
        for slot in range(workers):
            fork(slot)
        while children:
            pid, status = os.wait()
            slot = children.pop(pid, None)
            if slot is None or stopping:
                continue
            logger.error("hub worker %d ended (status %d)", pid, status)
            restarts += 1
            if restarts > MAX_RESTARTS:
                logger.error("hub workers keep failing: stopping")
                stop()
                continue
            fork(slot)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def can_fork() -> bool:
    """Whether workers are forked here (POSIX) rather than spawned by uvicorn's supervisor."""
    return hasattr(os, "fork")
