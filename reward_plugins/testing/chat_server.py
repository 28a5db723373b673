"""A scripted chat-completions server on 127.0.0.1, to test LLM code without an LLM.

A real HTTP server (a thread, an ephemeral port) speaking the OpenAI protocol:
``POST /v1/chat/completions`` (with ``n``), ``GET /v1/models``, and errors in OpenAI's format
(``{"error": {"message", "type", "param", "code"}}``). Clients talk to it through the real
``openai`` package, so retries, timeouts and parsing are tested for real.

Replies come from a queue (``script``), consumed one per request, or from ``respond``, a function
of the request body, used once the queue is empty. Each entry is:

- a string: the reply (every one of the ``n`` choices);
- a list of strings: the ``n`` choices;
- an int: that HTTP status with an OpenAI-style error body (429 comes with ``Retry-After: 0``);
- a :class:`Reply` for full control (status, ``delay`` seconds before answering, headers).

A ``respond`` that raises, or an entry of another type, is answered with HTTP 500 naming the problem.

Requests are recorded in :attr:`ChatServer.requests` (the JSON bodies of chat requests).

In pytest::

    from reward_plugins.testing.chat_server import ChatServer

    @pytest.fixture
    def chat_server():
        with ChatServer() as server:
            yield server

    def test_judge(chat_server):
        chat_server.script += ["yes", 429, "no"]
        client = ChatClient(model=chat_server.model, base_url=chat_server.url, cache="off")
"""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Union

#: OpenAI's error ``type`` per status.
_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_api_key", 403: "permission_denied",
                404: "model_not_found", 422: "invalid_request_error", 429: "rate_limit_exceeded",
                500: "server_error", 502: "server_error", 503: "server_error"}


@dataclass
class Reply:
    """One scripted answer: ``content`` (a string for every choice, or one per choice) or an error ``status``."""

    content: str | list[str] = ""
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""


#: What a script entry or ``respond`` may give (see the module docstring).
Scripted = Union[str, list[str], int, Reply]  # noqa: UP007 (a runtime alias)


def _as_reply(entry: Scripted) -> Reply:
    if isinstance(entry, Reply):
        return entry
    if isinstance(entry, bool) or not isinstance(entry, (str, list, int)):
        raise TypeError(f"a scripted reply is a str, a list of str, an int status or a Reply, got {entry!r}")
    if isinstance(entry, int):
        return Reply(status=entry, headers={"Retry-After": "0"} if entry == 429 else {})
    return Reply(content=entry)


class ChatServer:
    """The scripted server; start with ``with ChatServer() as s:`` (or :meth:`start`), talk to :attr:`url`.

    Args:
        script: replies consumed in order, one per chat request.
        respond: ``request body -> reply``, for requests after the script ran out; without it such
            requests get HTTP 500 "no scripted reply left".
        models: the served model names (the first is :attr:`model`); other names get a 404.
        api_key: when set, requests without ``Authorization: Bearer <api_key>`` get a 401.
        supports_n: when false, ``n`` is ignored and one choice comes back (as Ollama does).
    """

    def __init__(
        self,
        script: Iterable[Scripted] = (),
        respond: Callable[[dict[str, Any]], Scripted] | None = None,
        *,
        models: Iterable[str] = ("test-model",),
        api_key: str | None = None,
        supports_n: bool = True,
    ) -> None:
        self.script: list[Scripted] = list(script)
        self.respond = respond
        self.models = list(models)
        self.api_key = api_key
        self.supports_n = supports_n
        #: JSON bodies of the chat requests received, in arrival order.
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def model(self) -> str:
        """The first served model."""
        return self.models[0]

    @property
    def url(self) -> str:
        """The OpenAI-compatible root to give clients as ``base_url`` (``http://127.0.0.1:PORT/v1``)."""
        if self._httpd is None:
            raise RuntimeError("ChatServer is not started; use 'with ChatServer() as server:' or server.start()")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> ChatServer:
        """Listen on an ephemeral port of 127.0.0.1 in a daemon thread."""
        handler = type("Handler", (_Handler,), {"chat": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="chat-server",
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop listening, drop open (keep-alive) connections and wake delayed replies: clients see it gone."""
        self._closed.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the client closed it first
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            if self.script:
                return _as_reply(self.script.pop(0))
        if self.respond is not None:
            return _as_reply(self.respond(body))
        return Reply(status=500, message="ChatServer: no scripted reply left")

    def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        n = int(body.get("n") or 1) if self.supports_n else 1
        contents = reply.content if isinstance(reply.content, list) else [reply.content] * n
        return {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model"),
            "choices": [{"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                        for i, text in enumerate(contents)],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }


class _Handler(BaseHTTPRequestHandler):
    chat: ChatServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        with self.chat._lock:
            self.chat._connections.add(self.connection)

    def finish(self) -> None:
        with self.chat._lock:
            self.chat._connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        """Quiet: tests read :attr:`ChatServer.requests` instead."""

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        self._send(status, {"error": {"message": message, "type": kind, "param": None, "code": kind}}, headers)

    def _authorised(self) -> bool:
        key = self.chat.api_key
        if key is None or self.headers.get("Authorization") == f"Bearer {key}":
            return True
        self._error(401, "Incorrect API key provided.")
        return False

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if not self._authorised():
            return
        if self.path.rstrip("/") != "/v1/models":
            self._error(404, f"no route GET {self.path}")
            return
        self._send(200, {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "test"}
                                                    for m in self.chat.models]})

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self._authorised():
            return
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, f"no route POST {self.path}")
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._error(400, "the request body is not JSON")
            return
        if body.get("model") not in self.chat.models:
            self._error(404, f"The model `{body.get('model')}` does not exist or you do not have access to it.")
            return
        try:
            reply = self.chat._next(body)
        except Exception as e:  # noqa: BLE001 (a broken script or respond: tell the client, keep serving)
            self._error(500, f"ChatServer: the scripted reply failed: {e!r}")
            return
        if reply.delay and self.chat._closed.wait(reply.delay):
            return  # closed while delaying: drop the connection unanswered
        if reply.status != 200:
            self._error(reply.status, reply.message or f"scripted HTTP {reply.status}", reply.headers)
            return
        self._send(200, self.chat._completion(body, reply), reply.headers)
