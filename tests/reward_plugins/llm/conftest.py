"""A scripted chat server per test, and no LLM settings or cache leaking in from the environment."""
import pytest

from reward_plugins.testing.chat_server import ChatServer


@pytest.fixture(autouse=True)
def _clean_llm_env(monkeypatch, tmp_path):
    for name in ("AGENTENVS_LLM_BASE_URL", "AGENTENVS_LLM_API_KEY", "AGENTENVS_LLM_MODEL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENTENVS_LLM_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture
def chat_server():
    with ChatServer() as server:
        yield server
