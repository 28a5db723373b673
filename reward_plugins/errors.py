"""Exceptions raised by reward_plugins. Each says what was wrong and what to do about it."""
from __future__ import annotations


class RewardPluginError(Exception):
    """Base class of every error reward_plugins raises on purpose."""


class UnknownShaperError(RewardPluginError, KeyError):
    """``make_shaper`` was given a name nobody registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class MissingInputError(RewardPluginError, ValueError):
    """A shaper declares an input that the wrapped env cannot provide."""


class RewardStateError(MissingInputError):
    """A ``reward_state`` entry a shaper reads is missing or has the wrong shape.

    The message names the key, the shaper argument that names it, and the keys the env gave.
    """


class NonFiniteRewardError(RewardPluginError, FloatingPointError):
    """A shaper returned NaN or inf."""


class NonFiniteInputError(RewardPluginError, FloatingPointError):
    """An input (observation, reward, frame, reward state) was NaN or inf, before any shaper saw it."""


class ShaperOutputError(RewardPluginError, ValueError):
    """A shaper returned something other than one reward per transition."""


class ShaperConfigError(RewardPluginError, ValueError):
    """A shaper, composition or schedule was configured with invalid values."""


class MissingDependencyError(RewardPluginError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class ShaperDeviceError(ShaperConfigError):
    """A shaper was given a device string torch cannot parse, or one this machine does not have."""


class ShaperStateError(RewardPluginError, ValueError):
    """Saved shaper state was made by a shaper configured differently.

    Another seed, input, hash, number of envs, observation space or feature width: loading it
    would silently give wrong rewards. The message names each differing field with its saved and
    current value.
    """


class ShaperContractError(RewardPluginError, AssertionError):
    """:func:`reward_plugins.testing.check_shaper` found a shaper breaking the shaper contract."""
