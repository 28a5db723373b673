"""The scripted server speaks the wire protocol itself (checked with urllib, not the openai package)."""
import json
import urllib.error
import urllib.request

import pytest

from reward_plugins.testing.chat_server import ChatServer, Reply


def post(url, body, key=None):
    request = urllib.request.Request(url + "/chat/completions", json.dumps(body).encode(),
                                     {"Content-Type": "application/json",
                                      **({"Authorization": f"Bearer {key}"} if key else {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), dict(e.headers)


def test_models_completions_with_n_and_recorded_requests():
    with ChatServer([["a", "b"]], models=["m1", "m2"]) as server:
        with urllib.request.urlopen(server.url + "/models", timeout=5) as response:
            assert [m["id"] for m in json.loads(response.read())["data"]] == ["m1", "m2"]
        status, body, _ = post(server.url, {"model": "m2", "messages": [{"role": "user", "content": "q"}], "n": 2})
        assert status == 200 and body["object"] == "chat.completion" and body["model"] == "m2"
        assert [(c["index"], c["message"]["content"]) for c in body["choices"]] == [(0, "a"), (1, "b")]
        assert server.requests == [{"model": "m2", "messages": [{"role": "user", "content": "q"}], "n": 2}]


@pytest.mark.parametrize("entry, status, kind", [(429, 429, "rate_limit_exceeded"), (503, 503, "server_error"),
                                                 (Reply(status=400, message="bad n"), 400, "invalid_request_error")])
def test_scripted_errors_come_in_openai_format(entry, status, kind):
    with ChatServer([entry]) as server:
        got, body, headers = post(server.url, {"model": server.model, "messages": []})
        assert got == status and body["error"]["type"] == kind and body["error"]["message"]
        assert (headers.get("Retry-After") == "0") == (status == 429)


def test_unknown_models_keys_and_exhausted_scripts():
    with ChatServer(api_key="k") as server:
        assert post(server.url, {"model": server.model, "messages": []})[0] == 401
        status, body, _ = post(server.url, {"model": "other", "messages": []}, key="k")
        assert status == 404 and body["error"]["code"] == "model_not_found"
        status, body, _ = post(server.url, {"model": server.model, "messages": []}, key="k")
        assert status == 500 and "no scripted reply left" in body["error"]["message"]


def test_a_server_without_n_returns_one_choice_and_bad_entries_are_refused():
    with ChatServer(["only"], supports_n=False) as server:
        assert len(post(server.url, {"model": server.model, "messages": [], "n": 3})[1]["choices"]) == 1
    with ChatServer([3.5], respond=lambda body: 1 / 0) as server:
        for problem in ("a scripted reply is a str", "ZeroDivisionError"):
            status, body, _ = post(server.url, {"model": server.model, "messages": []})
            assert status == 500 and problem in body["error"]["message"]
