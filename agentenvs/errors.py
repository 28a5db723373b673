"""Exceptions raised by agentenvs. Each says what was wrong and what to do about it."""
from __future__ import annotations


class AgentEnvsError(Exception):
    """Base class of every error agentenvs raises on purpose."""


class LevelError(AgentEnvsError, ValueError):
    """A level (XSB / Boxoban text) is malformed.

    Parameters
    ----------
    message:
        What is wrong.
    line, column:
        1-based position in the level text of the offending character, when known.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        where = ""
        if line is not None:
            where = f" (line {line}" + (f", column {column}" if column is not None else "") + ")"
        super().__init__(message + where)


class InvalidActionError(AgentEnvsError, ValueError):
    """An action lies outside the env's action space."""


class ConfigError(AgentEnvsError, ValueError):
    """An env constructor argument or experiment config value is invalid."""


class SolverBudgetError(AgentEnvsError, RuntimeError):
    """The Sokoban solver expanded its whole node budget without finding a solution."""


class UnsolvableLevelError(AgentEnvsError, ValueError):
    """The Sokoban solver proved that a level has no solution."""


class DatasetError(AgentEnvsError, ValueError):
    """A dataset file is malformed; the message names the file, the record index and the field."""


class MissingImageError(DatasetError, FileNotFoundError):
    """A dataset record names an image file that does not exist; the message names its path."""


class MissingDependencyError(AgentEnvsError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class EnvWorkerError(AgentEnvsError, RuntimeError):
    """An env of a grouped vector env failed to start or reset (its worker is replaced at the next reset)."""


def missing_extra(package: str, extra: str) -> MissingDependencyError:
    """Build the error for an optional import that failed."""
    return MissingDependencyError(
        f"{package!r} is not installed. Install the extra with: pip install 'agentenvs[{extra}]'"
    )
