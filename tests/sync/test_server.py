"""sync.hub.server.ServerThread: Nagle is off on the sockets it accepts (issue 11: 44 ms per call with it on)."""
import socket

import httpx
from fastapi import FastAPI

from sync.hub.server import ServerThread


def test_listening_socket_is_tcp_with_nodelay():
    server = ServerThread(FastAPI())
    try:
        # asyncio sets TCP_NODELAY on accepted sockets only when their proto is IPPROTO_TCP (copied from here).
        assert server.sock.proto == socket.IPPROTO_TCP
        assert server.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        server.sock.close()


def test_server_thread_serves_and_stops():
    app = FastAPI()

    @app.get("/ping")
    def ping():
        return {"ok": True}

    server = ServerThread(app).start()
    try:
        assert httpx.get(server.url + "/ping").json() == {"ok": True}
    finally:
        server.stop()
    assert not server.thread.is_alive()
