"""Conformance parametrizations run over the registry; ids whose extra is not installed are skipped.

A test parametrized with a registered id (any argument) whose row's ``extra`` is missing is
marked skipped with the extra named, so a core install runs every check it can.
"""
from pathlib import Path

import pytest

from agentenvs.registration import get_entry, missing_extra
from agentenvs.web.browser import REUSE_ENV

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def _one_chromium_for_many_web_envs(monkeypatch):
    """The web ids' checks build many envs one after another; a closed env's browser serves the next
    (``REUSE_ENV``), which keeps each id's checks to a few Chromium starts. tests/web covers fresh starts."""
    monkeypatch.setenv(REUSE_ENV, "1")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not Path(item.path).is_relative_to(HERE):
            continue
        callspec = getattr(item, "callspec", None)
        for value in (callspec.params.values() if callspec else ()):
            entry = get_entry(value) if isinstance(value, str) else None
            extra = missing_extra(entry) if entry else None
            if extra:
                item.add_marker(pytest.mark.skip(
                    reason=f"{entry.id} needs the {extra!r} extra: pip install 'agentenvs[{extra}]'"))
