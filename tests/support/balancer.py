"""A round-robin TCP load balancer for tests: one port in front of several server processes, each accepted
connection goes to the next backend (no stickiness), bytes are copied both ways as they come."""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from collections import Counter

from tests.support.mcp_process import free_port


class RoundRobinBalancer:
    """Listens on 127.0.0.1:``port``; counts the connections each backend port was given."""

    def __init__(self, backends: list[int], port: int | None = None) -> None:
        self.port = port or free_port()
        self.given: Counter[int] = Counter()
        self._next = itertools.cycle(backends)
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                backend = next(self._next)
                self.given[backend] += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", backend), timeout=30)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, target), daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
