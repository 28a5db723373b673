"""Renderer: one answer per render mode, warnings without one, a headless pygame window, pickling without it."""
import pickle

import numpy as np
import pytest

from agentenvs.core import HumanViewer, Renderer
from agentenvs.errors import ConfigError

FRAME = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)


class Picture:
    def rgb(self):
        return FRAME.copy()

    def ansi(self):
        return "#@#"


def make(mode):
    picture = Picture()
    return Renderer(mode, ("rgb_array", "ansi", "human"), rgb=picture.rgb, ansi=picture.ansi, title="t", fps=1000)


def test_each_mode_answers_from_the_family_pictures():
    assert np.array_equal(make("rgb_array").render(), FRAME)
    assert make("ansi").render() == "#@#"


def test_no_render_mode_warns_and_returns_none():
    with pytest.warns(UserWarning, match="without a render_mode"):
        assert make(None).render() is None


def test_unsupported_modes_are_refused():
    with pytest.raises(ConfigError, match="render_mode must be None or one of"):
        Renderer("human", ("rgb_array",), rgb=Picture().rgb)
    with pytest.raises(ConfigError, match="needs an ansi"):
        Renderer(None, ("ansi",), rgb=Picture().rgb)


def test_human_mode_opens_a_window_after_each_change_and_pickles_without_it(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    renderer = make("human")
    renderer.after_change()
    viewer = renderer._viewer
    assert isinstance(viewer, HumanViewer) and viewer._window is not None
    clone = pickle.loads(pickle.dumps(renderer))
    assert clone._viewer is None and clone.render_mode == "human"
    renderer.close()
    renderer.close()
    assert renderer._viewer is None and viewer._window is None


def test_after_change_draws_nothing_outside_human_mode():
    renderer = make("rgb_array")
    renderer.after_change()
    assert renderer._viewer is None
