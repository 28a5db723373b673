"""Render-mode handling shared by every family, and the pygame window behind ``render_mode="human"``.

A family supplies two pictures of its current state, an RGB frame and a text; :class:`Renderer`
answers ``render()`` for the env's ``render_mode`` from them, shows frames in a
:class:`HumanViewer` for ``"human"``, and keeps the window out of pickles.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from ..errors import ConfigError, MissingDependencyError

RENDER_MODES = ("rgb_array", "human", "ansi")
"""Every render mode a family may offer: an RGB frame, a pygame window, a text picture."""


def check_render_mode(render_mode: str | None, supported: Sequence[str]) -> str | None:
    """``render_mode`` if it is ``None`` or one of ``supported``, else a :class:`~agentenvs.errors.ConfigError`."""
    if render_mode is not None and render_mode not in supported:
        raise ConfigError(f"render_mode must be None or one of {tuple(supported)}, got {render_mode!r}")
    return render_mode


class HumanViewer:
    """A pygame window showing RGB frames, scaled by ``zoom``; pygame is imported on first use."""

    def __init__(self, title: str = "agentenvs", zoom: int = 3, fps: int = 8):
        self.title, self.zoom, self.fps = title, zoom, fps
        self._window: Any = None
        self._clock: Any = None

    def show(self, frame: np.ndarray) -> None:
        """Draw ``frame`` (``uint8 [H, W, 3]``) and pump the event queue."""
        try:
            import pygame
        except ImportError as err:
            raise MissingDependencyError("render_mode='human' needs pygame: pip install pygame") from err
        size = (frame.shape[1] * self.zoom, frame.shape[0] * self.zoom)
        if self._window is None:
            pygame.init()
            pygame.display.set_caption(self.title)
            self._window = pygame.display.set_mode(size)
            self._clock = pygame.time.Clock()
        surface = pygame.surfarray.make_surface(np.swapaxes(frame, 0, 1))
        self._window.blit(pygame.transform.scale(surface, size), (0, 0))
        pygame.event.pump()
        pygame.display.flip()
        self._clock.tick(self.fps)

    def close(self) -> None:
        """Close the window if one is open (idempotent)."""
        if self._window is not None:
            import pygame

            pygame.display.quit()
            pygame.quit()
            self._window = None


class Renderer:
    """``render()`` for one env: validates ``render_mode`` and turns the family's pictures into its answer.

    Args:
        render_mode: the env's ``render_mode`` (``None`` renders nothing, with a warning on ``render()``).
        supported: the modes the env declares in ``metadata["render_modes"]``.
        rgb: returns the current ``uint8 [H, W, 3]`` frame (``"rgb_array"`` and ``"human"``).
        ansi: returns the current text picture (``"ansi"``).
        title, fps: of the ``"human"`` window.
        zoom: how many screen pixels the ``"human"`` window gives each frame pixel (3 suits grid worlds;
            1 suits frames that are screenshots already).
    """

    def __init__(self, render_mode: str | None, supported: Sequence[str], *, rgb: Callable[[], np.ndarray],
                 ansi: Callable[[], str] | None = None, title: str = "agentenvs", fps: int = 8, zoom: int = 3):
        self.render_mode = check_render_mode(render_mode, supported)
        if "ansi" in supported and ansi is None:
            raise ConfigError("a Renderer that supports 'ansi' needs an ansi() picture")
        self._rgb, self._ansi = rgb, ansi
        self._title, self._fps, self._zoom = title, fps, zoom
        self._viewer: HumanViewer | None = None

    def render(self) -> np.ndarray | str | None:
        """The frame (``"rgb_array"``), the text (``"ansi"``), or ``None`` after drawing the window (``"human"``)."""
        mode = self.render_mode
        if mode is None:
            gym.logger.warn("render() called without a render_mode; build the env with render_mode='rgb_array', "
                            "'ansi' or 'human'")
            return None
        if mode == "ansi" and self._ansi is not None:  # never None when "ansi" is supported
            return self._ansi()
        frame = self._rgb()
        if mode == "rgb_array":
            return frame
        if self._viewer is None:
            self._viewer = HumanViewer(self._title, zoom=self._zoom, fps=self._fps)
        self._viewer.show(frame)
        return None

    def after_change(self) -> None:
        """Call after every reset and step: redraws the window in ``"human"`` mode, as Gymnasium expects."""
        if self.render_mode == "human":
            self.render()

    def close(self) -> None:
        """Close the window, if one is open (idempotent)."""
        if self._viewer is not None:
            self._viewer.close()
            self._viewer = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_viewer"] = None  # a window does not travel; the copy opens its own
        return state
