"""ChatClient through the real openai package against a real scripted HTTP server on 127.0.0.1."""
import json
import socket
import time

import pytest

from reward_plugins.errors import (
    LLMAuthError,
    LLMCacheMissError,
    LLMConfigError,
    LLMModelError,
    LLMServerError,
    LLMTimeoutError,
    LLMUnreachableError,
)
from reward_plugins.llm import ChatClient, ResponseCache
from reward_plugins.testing.chat_server import ChatServer, Reply

HI = [{"role": "user", "content": "say hi"}]


def client_for(server, tmp_path, **kwargs):
    kwargs = {"model": server.model, "base_url": server.url, "cache_dir": tmp_path / "cache", "timeout": 5.0,
              "backoff": 0.01, **kwargs}
    return ChatClient(**kwargs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_reply_and_the_request_the_server_saw(chat_server, tmp_path):
    chat_server.script.append("hello")
    client = client_for(chat_server, tmp_path, cache="off")
    assert client.complete(HI, temperature=0.0, max_tokens=5, seed=3) == ["hello"]
    sent = chat_server.requests[0]
    assert sent["messages"] == HI and sent["model"] == "test-model"
    assert sent["temperature"] == 0.0 and sent["max_tokens"] == 5 and sent["seed"] == 3 and "n" not in sent


def test_n_samples_in_one_request(chat_server, tmp_path):
    chat_server.script.append(["a", "b", "c"])
    assert client_for(chat_server, tmp_path, cache="off").complete(HI, n=3) == ["a", "b", "c"]
    assert len(chat_server.requests) == 1 and chat_server.requests[0]["n"] == 3


def test_a_server_ignoring_n_gets_parallel_requests_with_distinct_seeds(tmp_path):
    with ChatServer(respond=lambda body: f"seed {body.get('seed')}", supports_n=False) as server:
        client = client_for(server, tmp_path, cache="off")
        assert client.complete(HI, n=3, seed=10) == ["seed 10", "seed 11", "seed 12"]
        assert client.supports_n is False
        assert sorted(r.get("seed") for r in server.requests[1:]) == [11, 12]
        server.requests.clear()
        assert client.complete(HI, n=2, seed=0) == ["seed 0", "seed 1"]
        assert all("n" not in r for r in server.requests)  # remembered: no more n requests


def test_a_server_rejecting_n_gets_parallel_requests(tmp_path):
    def respond(body):
        return Reply(status=400, message="n must be 1") if body.get("n", 1) > 1 else "one"

    with ChatServer(respond=respond) as server:
        assert client_for(server, tmp_path, cache="off").complete(HI, n=2) == ["one", "one"]


def test_429_then_success_is_retried(chat_server, tmp_path):
    chat_server.script += [429, 429, "finally"]
    client = client_for(chat_server, tmp_path, cache="off")
    assert client.complete(HI) == ["finally"]
    assert len(chat_server.requests) == 3 and client.requests_sent == 3


def test_a_500_storm_ends_in_one_clear_error(chat_server, tmp_path):
    chat_server.script += [500] * 10
    client = client_for(chat_server, tmp_path, cache="off", max_retries=3)
    with pytest.raises(LLMServerError, match=r"kept failing .* HTTP 500 .* on all 4 tries") as info:
        client.complete(HI)
    assert "\n" not in str(info.value) and str(chat_server.url) in str(info.value)
    assert len(chat_server.requests) == 4  # 1 + 3 retries, then it stops


def test_backoff_grows_exponentially(chat_server, tmp_path):
    chat_server.script += [503, 503, 503, "ok"]
    start = time.perf_counter()
    assert client_for(chat_server, tmp_path, cache="off", backoff=0.1).complete(HI) == ["ok"]
    assert time.perf_counter() - start >= 0.1 + 0.2 + 0.4


def test_a_bad_key_is_not_retried(tmp_path):
    with ChatServer(api_key="sk-right") as server:
        client = client_for(server, tmp_path, api_key="sk-wrong", cache="off")
        with pytest.raises(LLMAuthError, match="refused the API key .*HTTP 401.*AGENTENVS_LLM_API_KEY"):
            client.complete(HI)
        assert server.requests == []
        server.script.append("in")
        assert client_for(server, tmp_path, api_key="sk-right", cache="off").complete(HI) == ["in"]


def test_an_unknown_model_names_the_served_ones(chat_server, tmp_path):
    client = client_for(chat_server, tmp_path, model="gpt-nothing", cache="off")
    with pytest.raises(LLMModelError, match="gpt-nothing.*HTTP 404.*it serves test-model"):
        client.complete(HI)


def test_a_refused_connection_is_one_clear_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/v1"
    client = ChatClient(model="m", base_url=url, cache="off", max_retries=2, backoff=0.01)
    with pytest.raises(LLMUnreachableError, match=f"{url} is unreachable .* 3 tries; start the server") as info:
        client.complete(HI)
    assert "\n" not in str(info.value)


def test_a_slow_server_times_out(chat_server, tmp_path):
    chat_server.script += [Reply("late", delay=5.0)] * 2
    client = client_for(chat_server, tmp_path, cache="off", timeout=0.3, max_retries=1)
    start = time.perf_counter()
    with pytest.raises(LLMTimeoutError, match="did not answer .* within 0.3 s, 2 tries"):
        client.complete(HI)
    assert time.perf_counter() - start < 4.0


def test_the_cache_replays_with_the_server_gone(tmp_path):
    with ChatServer(["first"]) as server:
        client = client_for(server, tmp_path)
        assert client.complete(HI, seed=1) == ["first"]
        url = server.url
    again = ChatClient(model="test-model", base_url=url, cache_dir=tmp_path / "cache", max_retries=0)
    assert again.complete(HI, seed=1) == ["first"] and again.cache_hits == 1 and again.requests_sent == 0
    offline = ChatClient(model="test-model", base_url=url, cache_dir=tmp_path / "cache", cache="only")
    assert offline.complete(HI, seed=1) == ["first"]
    with pytest.raises(LLMUnreachableError):  # another seed is another request: not cached
        again.complete(HI, seed=2)


def test_cache_keys_cover_model_messages_sampling_and_seed(chat_server, tmp_path):
    chat_server.respond = lambda body: json.dumps([body["messages"][0]["content"], body.get("temperature"),
                                                   body.get("seed"), body.get("max_tokens")])
    client = client_for(chat_server, tmp_path)
    variants = [dict(), dict(temperature=0.5), dict(seed=4), dict(max_tokens=7)]
    for kwargs in variants:
        client.complete(HI, **kwargs)
    client.complete([{"role": "user", "content": "other"}])
    assert len(chat_server.requests) == 5
    for kwargs in variants:
        client.complete(HI, **kwargs)
    assert len(chat_server.requests) == 5 and client.cache_hits == 4
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 5


def test_cache_off_neither_reads_nor_writes(chat_server, tmp_path):
    chat_server.script += ["a", "b"]
    client = client_for(chat_server, tmp_path, cache="off")
    assert client.complete(HI) == ["a"] and client.complete(HI) == ["b"]
    assert not (tmp_path / "cache").exists()


def test_cache_only_miss_fails_clearly_without_a_server(tmp_path):
    client = ChatClient(model="m", base_url=f"http://127.0.0.1:{free_port()}/v1", cache_dir=tmp_path, cache="only")
    with pytest.raises(LLMCacheMissError, match="cache='only' .* no cached reply .* model 'm'"):
        client.complete(HI)
    assert client.requests_sent == 0


def test_cache_entries_are_written_atomically_and_corrupt_ones_are_misses(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put("ab" * 32, {"x": 1}, ["r"])
    assert cache.get("ab" * 32) == ["r"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["ab", "ab" * 32 + ".json"]  # no temporary left
    assert json.loads(cache.path("ab" * 32).read_text()) == {"request": {"x": 1}, "replies": ["r"]}
    cache.path("cd" * 32).parent.mkdir(parents=True)
    cache.path("cd" * 32).write_text("{not json")
    assert cache.get("cd" * 32) is None


def test_settings_come_from_the_environment(chat_server, tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTENVS_LLM_BASE_URL", chat_server.url)
    monkeypatch.setenv("AGENTENVS_LLM_MODEL", "test-model")
    chat_server.script.append("env")
    client = ChatClient(cache_dir=tmp_path)
    assert client.complete(HI) == ["env"] and client.model == "test-model" and client.base_url == chat_server.url


def test_the_only_served_model_is_used_when_none_is_given(tmp_path):
    with ChatServer(["x"], models=["solo"]) as server:
        assert ChatClient(base_url=server.url, cache="off").complete(HI) == ["x"]
        assert server.requests[0]["model"] == "solo"
    with ChatServer(models=["a", "b"]) as server:
        with pytest.raises(LLMConfigError, match="serves 2 models: a, b"):
            ChatClient(base_url=server.url, cache="off").complete(HI)


def test_many_prompts_in_parallel_keep_their_order(tmp_path):
    def respond(body):
        return Reply(body["messages"][0]["content"].upper(), delay=0.2)

    with ChatServer(respond=respond) as server:
        client = client_for(server, tmp_path, cache="off", max_concurrency=8)
        prompts = [[{"role": "user", "content": f"p{i}"}] for i in range(8)]
        start = time.perf_counter()
        assert client.complete_many(prompts) == [[f"P{i}"] for i in range(8)]
        assert time.perf_counter() - start < 8 * 0.2  # concurrent, not one after another
        client.close()


@pytest.mark.parametrize("bad, match", [
    (dict(messages="hi"), "messages must be a non-empty list"),
    (dict(messages=[]), "messages must be a non-empty list"),
    (dict(n=0), "n .* must be an int >= 1"),
    (dict(temperature=3.0), "temperature must be in"),
    (dict(max_tokens=0), "max_tokens"),
    (dict(seed=1.5), "seed must be"),
])
def test_bad_requests_are_refused_before_sending(chat_server, tmp_path, bad, match):
    client = client_for(chat_server, tmp_path)
    with pytest.raises(LLMConfigError, match=match):
        client.complete(**{"messages": HI, **bad})
    assert chat_server.requests == []


def test_bad_settings_are_refused():
    with pytest.raises(LLMConfigError, match="cache must be"):
        ChatClient(model="m", cache="sometimes")
    with pytest.raises(LLMConfigError, match="timeout > 0"):
        ChatClient(model="m", timeout=0)


def test_retry_after_is_honoured_up_to_max_backoff(chat_server, tmp_path):
    chat_server.script += [Reply(status=429, headers={"Retry-After": "0.5"}), "ok",
                           Reply(status=503, headers={"Retry-After": "600"}), "capped"]
    client = client_for(chat_server, tmp_path, cache="off", backoff=0.0, max_backoff=1.0)
    start = time.perf_counter()
    assert client.complete(HI) == ["ok"]
    assert time.perf_counter() - start >= 0.5  # the server's wait, not backoff=0
    assert client.complete(HI, seed=1) == ["capped"]  # 600 s asked, max_backoff=1 s waited
