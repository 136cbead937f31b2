"""Serving the hub with uvicorn: `serve()` for `tessera hub` (blocking), `ServerThread` for tests and the
load bench (a real server on 127.0.0.1 in a background thread), and `python -m sync.hub.server`."""
from __future__ import annotations

import argparse
import logging
import socket
import threading
import time

import uvicorn

from core.db import Ledger
from sync.hub.app import create_app

logger = logging.getLogger(__name__)


def serve(db: str, *, host: str = "127.0.0.1", port: int = 8787, plain: bool = False,
          smtp_url: str | None = None, log_level: str = "info") -> None:
    """Open (and migrate) the hub database `db` (file path or postgresql:// URL) and serve until interrupted."""
    ledger = Ledger.open(db)
    try:
        app = create_app(ledger, plain=plain, smtp_url=smtp_url)
        logger.info("hub on http://%s:%d (%s, %s)", host, port, ledger.engine.dialect.name,
                    "plain contract" if plain else "with extensions")
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
    finally:
        ledger.close()


class ServerThread:
    """A uvicorn server for `app` on 127.0.0.1 and a free port, in a daemon thread.
    `start()` returns once it accepts connections (≤ `timeout` s); `url` is its base URL; `stop()` ends it."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        # proto=IPPROTO_TCP matters: asyncio turns Nagle off (TCP_NODELAY) only on accepted sockets whose proto
        # says TCP, and accepted sockets copy the listener's; with proto 0 every small answer waited for the
        # client's delayed ACK (44 ms per call instead of ~1 ms). NODELAY on the listener is inherited on Linux too.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind((host, port))
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
    """`python -m sync.hub.server --db URL [--host] [--port] [--plain] [--smtp URL]`."""
    parser = argparse.ArgumentParser(prog="python -m sync.hub.server", description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--smtp")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(args.db, host=args.host, port=args.port, plain=args.plain, smtp_url=args.smtp, log_level=args.log_level)


if __name__ == "__main__":  # pragma: no cover
    main()
