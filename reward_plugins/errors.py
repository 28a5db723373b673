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


class RewardCodeError(RewardPluginError, ValueError):
    """A reward program (or a request for one) is unusable: no code in a reply, bad generation arguments."""


class LLMError(RewardPluginError):
    """A chat-completions server could not give a reply; the message says which server and why."""


class LLMConfigError(LLMError, ValueError):
    """The LLM client was configured with invalid values (no model, a bad cache mode, bad sampling values)."""


class LLMUnreachableError(LLMError, ConnectionError):
    """Nothing answered at the server's URL (refused, DNS failure, reset) after every retry."""


class LLMTimeoutError(LLMError, TimeoutError):
    """The server did not answer within the client's timeout, on every try."""


class LLMAuthError(LLMError, PermissionError):
    """The server refused the API key (HTTP 401/403)."""


class LLMModelError(LLMError, LookupError):
    """The server does not serve the model asked for (HTTP 404)."""


class LLMServerError(LLMError):
    """The server kept failing (HTTP 429 or 5xx on every retry) or sent a reply that is not a chat completion."""


class LLMRequestError(LLMError, ValueError):
    """The server rejected the request itself (HTTP 400/422: a bad message, a parameter it does not take)."""


class LLMCacheMissError(LLMError, LookupError):
    """``cache="only"`` (offline replay) and the response cache has no reply for this request."""
class RewardProgramError(RewardPluginError, ValueError):
    """A reward program was rejected before it ran: a syntax error or a broken sandbox rule.

    ``line`` is the 1-based source line (0 when the whole program is at fault) and ``rule`` the
    short name of the rule it broke (``"import"``, ``"attribute"``, ``"name"``, ``"signature"``...),
    so a code generator can hand both back to the model that wrote it.
    """

    def __init__(self, message: str, *, line: int = 0, rule: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.rule = rule


class RewardSandboxError(RewardPluginError, RuntimeError):
    """A reward program failed while it ran in the sandbox worker; the parent and the next program are unaffected.

    ``kind`` says how: ``"exception"`` (the program raised), ``"output"`` (it returned something other
    than ``(total [B], {name: [B]})``), ``"timeout"`` (the watchdog killed it), ``"crash"`` (the worker
    died: memory or CPU limit, or a fault) or ``"input"`` (the reward state cannot be shipped).
    """

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind
class ModelLoadError(RewardPluginError, OSError):
    """Pretrained weights (CLIP, a sentence encoder) are neither in a local folder nor downloadable.

    The message says where the weights were looked for and how to get them onto this machine.
    """
