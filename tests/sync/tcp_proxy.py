"""A TCP proxy on 127.0.0.1 that injects faults per connection (seeded, so a run can be replayed): "ok",
"delay" (each chunk forwarded 20 ms late), "reset_before" (the connection is reset before the request reaches
the server) and "reset_after" (the request reaches the server, its answer is lost by a reset). Used by the
convergence test for the faults a LAN produces; the server behind it is the real hub."""
from __future__ import annotations

import random
import select
import socket
import struct
import threading
import time

MODES = ("ok", "delay", "reset_before", "reset_after")


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0) instead of FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class FaultProxy:
    """Forward 127.0.0.1:`port` to 127.0.0.1:`upstream_port`; `weights` {mode: weight}; `faulty = False` makes
    every new connection "ok". `counts` tallies the modes used."""

    def __init__(self, upstream_port: int, *, seed: int, weights: dict[str, float]):
        self.upstream_port = upstream_port
        self.rng = random.Random(seed)
        self.weights = weights
        self.faulty = True
        self.counts = {m: 0 for m in MODES}
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _pick(self) -> str:
        with self._lock:
            mode = "ok"
            if self.faulty:
                modes = list(self.weights)
                mode = self.rng.choices(modes, [self.weights[m] for m in modes])[0]
            self.counts[mode] += 1
            return mode

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client, self._pick()), daemon=True).start()

    def _serve(self, client: socket.socket, mode: str) -> None:
        """Relay both directions in one thread (select), so a reset really sends RST at once."""
        if mode == "reset_before":
            _reset(client)
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        except OSError:
            _reset(client)
            return
        try:
            while True:
                readable, _, _ = select.select([client, upstream], [], [], 30)
                if not readable:
                    return
                for src in readable:
                    data = src.recv(65536)
                    if not data:
                        return
                    if src is upstream and mode == "reset_after":  # the hub answered: lose the answer
                        _reset(client)
                        return
                    if mode == "delay":
                        time.sleep(0.02)
                    (upstream if src is client else client).sendall(data)
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                try:
                    sock.close()
                except OSError:
                    pass

    def close(self) -> None:
        self._closed = True
        self._sock.close()
