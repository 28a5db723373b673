"""The process's HTTP server on 127.0.0.1 (ephemeral port) that serves the task pages and the web shop.

Envs call :func:`acquire_server` when they start a browser and :func:`release_server` when they
close it; the server starts with the first and stops with the last, so one process runs at most
one server, shared by its envs. A forked child (``AsyncVectorEnv`` workers) starts its own. The
server also stops at interpreter exit, while its thread still runs, so an env never closed cannot
hang the exit.
Routes: ``/<file>`` serves :data:`ASSETS` (``task.html``, ``core.js``, ``tasks.js``, ``site.css``);
``/shop/<sid>/...`` is the shop site of :mod:`.shop_site`, one :class:`~agentenvs.shop.ShopSession`
per registered session id.
"""
from __future__ import annotations

import atexit
import mimetypes
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..shop import ShopSession
from . import shop_site

ASSETS = Path(__file__).parent / "assets"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        pass  # a quiet server: tests and benchmarks read stdout

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store" if status != 200 or content_type.startswith("text/html")
                         else "max-age=3600")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        if parts[:1] == ["shop"] and len(parts) >= 2:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode("utf-8", "replace")) if method == "POST" else {}
            query = {k: v[-1] for k, v in {**parse_qs(url.query), **form}.items()}
            session = self.server.sessions.get(parts[1])
            if session is None:
                self._send(404, b"unknown shop session", "text/plain")
                return
            status, body, location = shop_site.handle(session, parts[1], parts[2:], query)
            self._send(status, body.encode(), "text/html; charset=utf-8", {"Location": location} if location else None)
            return
        name = parts[0] if len(parts) == 1 else ""
        path = ASSETS / name
        if not name or name.startswith(".") or not path.is_file():
            self._send(404, b"not found", "text/plain")
            return
        self._send(200, path.read_bytes(), mimetypes.guess_type(name)[0] or "application/octet-stream")

    def do_GET(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler's name
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler's name
        self._route("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sessions: dict[str, ShopSession]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a browser drops its connection (it was closed or killed); report anything else."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


_LOCK = threading.Lock()
_STATE: dict[str, Any] = {"server": None, "users": 0, "pid": None, "thread": None}


def acquire_server() -> str:
    """Start the process's server if none runs, count one more user, and return its base URL."""
    with _LOCK:
        if _STATE["pid"] != os.getpid():  # first use, or a forked child whose parent's server thread is gone
            _STATE.update(server=None, users=0, pid=os.getpid(), thread=None)
        if _STATE["server"] is None:
            server = _Server(("127.0.0.1", 0), _Handler)
            server.sessions = {}
            thread = threading.Thread(target=server.serve_forever, name="agentenvs-web-server", daemon=True)
            thread.start()
            _STATE.update(server=server, thread=thread)
            atexit.unregister(_stop_at_exit)  # once, however often the server restarts
            atexit.register(_stop_at_exit)
        _STATE["users"] += 1
        return f"http://127.0.0.1:{_STATE['server'].server_address[1]}"


def release_server() -> None:
    """Count one user less; the last one stops the server and frees its port."""
    with _LOCK:
        server = _STATE["server"]
        if server is None or _STATE["pid"] != os.getpid():
            return
        _STATE["users"] -= 1
        if _STATE["users"] <= 0:
            _stop()


def _stop() -> None:
    """Stop the server (the caller holds the lock); skip the handshake with a thread that no longer serves."""
    server, thread = _STATE["server"], _STATE["thread"]
    if thread is not None and thread.is_alive() and not sys.is_finalizing():
        server.shutdown()
    server.server_close()
    _STATE.update(server=None, users=0, thread=None)


def _stop_at_exit() -> None:
    with _LOCK:
        if _STATE["server"] is not None and _STATE["pid"] == os.getpid():
            _stop()


def base_url() -> str | None:
    """``http://127.0.0.1:<port>`` of the running server, or ``None`` when none runs in this process."""
    server = _STATE["server"] if _STATE["pid"] == os.getpid() else None
    return None if server is None else f"http://127.0.0.1:{server.server_address[1]}"


def server_users() -> int:
    """How many envs of this process hold the server (0 when none runs)."""
    return int(_STATE["users"]) if _STATE["pid"] == os.getpid() else 0


def register_session(sid: str, session: ShopSession | None) -> None:
    """Serve ``session`` under ``/shop/<sid>/`` (``None`` forgets the id)."""
    server = _STATE["server"]
    if server is None:
        return
    if session is None:
        server.sessions.pop(sid, None)
    else:
        server.sessions[sid] = session
