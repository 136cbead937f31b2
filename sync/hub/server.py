"""Serving the hub with uvicorn: `serve()` for `tessera hub` (blocking; `workers` > 1 runs several processes
on one listening socket, PostgreSQL only), `ServerThread` for tests and the load bench (a real server on
127.0.0.1 in a background thread), and `python -m sync.hub.server`.

Several processes (issue 11): the parent binds one socket, migrates and prepares the database, then starts
N workers that accept on that socket (forked, sync.hub.workers; spawned by uvicorn's supervisor where there is
no fork), each building its app with `app_from_env()` (an import-string factory; the options travel in the
TESSERA_HUB_OPTIONS environment variable as JSON). All shared state lives in the database: keys are
checked on every call (no cache), idempotency records, the change feed (appended under an advisory lock,
sync.hub.changes) and the hub identity. A SQLite hub is one process (one writer per file anyway)."""
from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import threading
import time

import uvicorn
from uvicorn.supervisors import Multiprocess

from sqlalchemy.engine import make_url

from core.db import Ledger
from core.db import make_url as ledger_url
from sync.hub import workers as workers_mod
from sync.hub.app import create_app, prepare

logger = logging.getLogger(__name__)


OPTIONS_ENV = "TESSERA_HUB_OPTIONS"
HEALTHCHECK_S = 60  # a worker may take this long to answer the supervisor (imports on a loaded machine)
WORKER_THREADS = 8  # calls at once per worker process (each holds a PostgreSQL connection while it runs)


def calls_at_once(backend: str) -> int | None:
    """How many calls one hub process runs at once in worker threads: on PostgreSQL WORKER_THREADS, which the
    connection pool keeps open (core.db: pool_size ≥ it; with anyio's 40 threads a loaded hub opened and
    closed a PostgreSQL connection per call beyond the pool, issue 11), whatever the process count; None
    on SQLite (anyio's default: writes queue on the hub's one write lock)."""
    return WORKER_THREADS if backend == "postgresql" else None


class WorkersRefused(ValueError):
    """`workers` > 1 asked for a database that cannot be shared by several processes (SQLite)."""


def serve(db: str, *, host: str = "127.0.0.1", port: int = 8787, plain: bool = False,
          smtp_url: str | None = None, log_level: str = "info", workers: int = 1) -> None:
    """Open (and migrate) the hub database `db` (file path or postgresql:// URL) and serve until interrupted.
    `workers` > 1: that many hub processes (PostgreSQL only; WorkersRefused for SQLite, before listening)."""
    backend = check_workers(db, workers)
    ledger = Ledger.open(db)
    try:
        mode = "plain contract" if plain else "with extensions"
        if workers > 1:
            prepare(ledger, smtp_url=smtp_url)
            ledger.close()  # the workers open their own; the parent holds no connection when it forks
            os.environ[OPTIONS_ENV] = json.dumps({"db": db, "plain": plain, "smtp_url": smtp_url})
            sock = listen_socket(host, port)
            logger.info("hub on http://%s:%d (%s, %s, %d processes)", host, port, backend, mode, workers)
            if workers_mod.can_fork():
                workers_mod.run_forked(app_from_env, sock, workers, log_level=log_level)
            else:  # pragma: no cover - Windows: uvicorn's supervisor spawns the workers
                config = uvicorn.Config("sync.hub.server:app_from_env", factory=True, workers=workers,
                                        log_level=log_level, access_log=False,
                                        timeout_worker_healthcheck=HEALTHCHECK_S)
                Multiprocess(config, sockets=[sock]).run()
            return
        app = create_app(ledger, plain=plain, smtp_url=smtp_url, threads=calls_at_once(backend))
        logger.info("hub on http://%s:%d (%s, %s)", host, port, backend, mode)
        config = uvicorn.Config(app, log_level=log_level, access_log=False)
        uvicorn.Server(config).run(sockets=[listen_socket(host, port)])
    finally:
        ledger.close()


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port), inheritable by worker processes, with Nagle off for the connections
    it accepts. proto=IPPROTO_TCP matters: asyncio turns Nagle off (TCP_NODELAY) only on accepted sockets whose
    proto says TCP, and accepted sockets copy the listener's; with proto 0 (uvicorn's own bind_socket) every
    small answer waited for the client's delayed ACK (44 ms per call instead of ~1 ms)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def check_workers(db: str, workers: int) -> str:
    """The backend name of `db` ("sqlite" | "postgresql"); raises WorkersRefused when `workers` < 1, or > 1 on
    a database that is not PostgreSQL (a SQLite file has one writer: its hub is one process)."""
    backend = make_url(ledger_url(db)).get_backend_name()
    if workers < 1:
        raise WorkersRefused(f"--workers must be at least 1, not {workers}")
    if workers > 1 and backend != "postgresql":
        raise WorkersRefused(f"--workers {workers}: a SQLite hub runs as one process (SQLite has one writer "
                             "per file); use a postgresql:// database for several processes")
    return backend


def app_from_env():
    """The app of one worker process of `serve(workers=N)`: options from $TESSERA_HUB_OPTIONS (JSON
    {db, plain, smtp_url}); the database is already migrated and prepared by the parent."""
    options = json.loads(os.environ[OPTIONS_ENV])
    ledger = Ledger.open(options["db"])
    return create_app(ledger, plain=bool(options.get("plain")), smtp_url=options.get("smtp_url"),
                      threads=calls_at_once("postgresql"), prepared=True)


class ServerThread:
    """A uvicorn server for `app` on 127.0.0.1 and a free port, in a daemon thread.
    `start()` returns once it accepts connections (≤ `timeout` s); `url` is its base URL; `stop()` ends it."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self.sock = listen_socket(host, port)  # Nagle off: see listen_socket
        self.host, self.port = host, self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name=f"hub-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"hub did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()


def main(argv: list[str] | None = None) -> None:
    """`python -m sync.hub.server --db URL [--host] [--port] [--plain] [--smtp URL] [--workers N]`."""
    parser = argparse.ArgumentParser(prog="python -m sync.hub.server", description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--smtp")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--workers", type=int, default=1, help="hub processes (PostgreSQL only)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(args.db, host=args.host, port=args.port, plain=args.plain, smtp_url=args.smtp, log_level=args.log_level,
          workers=args.workers)


if __name__ == "__main__":  # pragma: no cover
    main()
