"""ONI: intrinsic rewards from an LLM's labels of observation captions, distilled into a reward model."""
from __future__ import annotations

from .shaper import ONIBonus

__all__ = ["ONIBonus"]
