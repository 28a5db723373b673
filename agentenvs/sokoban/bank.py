"""Level banks: the procedural levels of a range of seeds, generated once and read back in microseconds.

A seeded reset of a procedural Sokoban env draws its level with the reverse-play search of
:mod:`.generator` (about 10 ms for an 8x8 room with 4 boxes, with a long tail). A bank holds, for
one generator configuration and a contiguous range of seeds, exactly what that search returns
for each seed: the level, its difficulty label and the state of the seeded generator after the
draw. :class:`~.env.SokobanEnv` looks a seeded reset up in the banks on disk (and in a small
in-process memo of levels drawn before) and generates only on a miss, so a bank changes how long
a reset takes, never what it gives: same seed, same level, same generator state afterwards
(a later unseeded reset draws what it would have drawn).

Banks live in :func:`bank_dir` (``$AGENTENVS_CACHE_DIR/sokoban-levels``, else
``~/.cache/agentenvs/sokoban-levels``), one ``.npz`` file per configuration and seed range;
build them with :func:`build_bank` or ``agentenvs sokoban-bank``. A bank file is
checked when first read: its first seed is generated again and must match, so a bank left by an
older generator is ignored (with a warning) rather than served.
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium.utils import seeding

from ..errors import ConfigError
from .generator import LABELS, check_generator_args, generate_level
from .level import Level

BANK_VERSION = 1
"""Bumped whenever the generator's output for a seed changes; part of every bank's file name."""
MEMO_SIZE = 1024
"""Levels drawn in this process that are kept for the next reset with the same seed (a GRPO group's copies)."""
_WALL, _GOAL, _BOX = 1, 2, 4


@dataclass(frozen=True)
class BankedLevel:
    """What a seeded draw of the procedural generator gives.

    Attributes:
        level: The level.
        difficulty: Its label (:data:`.generator.LABELS`).
        rng_state: ``bit_generator.state`` of the seeded generator after the draw.
    """

    level: Level
    difficulty: str
    rng_state: dict[str, Any]


Config = tuple[int, int, int, int]
"""``(height, width, num_boxes, min_pushes)`` of the procedural generator."""


def bank_dir() -> Path:
    """The folder of the level banks: ``$AGENTENVS_CACHE_DIR/sokoban-levels``, else under ``~/.cache/agentenvs``."""
    root = os.environ.get("AGENTENVS_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache",
                                                          "agentenvs")
    return Path(root, "sokoban-levels")


def draw(config: Config, seed: int) -> BankedLevel:
    """Generate the level of ``seed`` as a seeded reset does (``reset(seed=seed)``), with the generator's state."""
    height, width, num_boxes, min_pushes = config
    rng, _ = seeding.np_random(seed)
    level = generate_level(rng, (height, width), num_boxes, min_pushes)
    return BankedLevel(Level(level.walls, level.goals, level.boxes, level.player), level.difficulty,
                       dict(rng.bit_generator.state))


@dataclass(frozen=True, eq=False)
class _Bank:
    """One bank file's arrays: seeds ``first .. first + len(cells) - 1``."""

    first: int
    cells: np.ndarray  # uint8 [n, H, W]: wall 1 | goal 2 | box 4
    players: np.ndarray  # int64 [n, 2]
    labels: np.ndarray  # uint8 [n], indices into LABELS
    states: np.ndarray  # uint64 [n, 6]: PCG64 state (high, low 64 bits), inc (high, low), has_uint32, uinteger

    def __len__(self) -> int:
        return len(self.cells)

    def entry(self, seed: int) -> BankedLevel:
        index = seed - self.first
        cells = self.cells[index]
        state_high, state_low, inc_high, inc_low, has_uint32, uinteger = (int(v) for v in self.states[index])
        state, inc = state_high << 64 | state_low, inc_high << 64 | inc_low
        rng_state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": has_uint32,
                     "uinteger": uinteger}
        row, col = (int(v) for v in self.players[index])
        return BankedLevel(Level(cells & _WALL > 0, cells & _GOAL > 0, cells & _BOX > 0, (row, col)),
                           LABELS[int(self.labels[index])], rng_state)


def _file_name(config: Config, first: int, count: int) -> str:
    height, width, num_boxes, min_pushes = config
    return f"v{BANK_VERSION}-{height}x{width}-b{num_boxes}-p{min_pushes}-s{first}-n{count}.npz"


def _read(path: Path, config: Config) -> _Bank | None:
    """The bank in ``path``, or ``None`` (with a warning) when it is unreadable or disagrees with the generator."""
    try:
        with np.load(path, allow_pickle=False) as data:
            bank = _Bank(int(data["first"]), data["cells"], data["players"], data["labels"], data["states"])
        drawn, stored = draw(config, bank.first), bank.entry(bank.first)
        if drawn.level != stored.level or drawn.rng_state != stored.rng_state:
            raise ValueError("its first level is not the one the generator draws for that seed")
    except (OSError, KeyError, ValueError) as err:
        warnings.warn(f"ignoring the Sokoban level bank {path}: {err}; build it again with build_bank", stacklevel=3)
        return None
    return bank


@functools.lru_cache(maxsize=64)
def _banks(directory: Path, config: Config) -> tuple[_Bank, ...]:
    """The banks of ``config`` in ``directory``, read once per process (until :func:`build_bank` adds one)."""
    prefix = _file_name(config, 0, 0).split("-s")[0]
    found = sorted(directory.glob(f"{prefix}-s*-n*.npz")) if directory.is_dir() else []
    return tuple(bank for bank in (_read(path, config) for path in found) if bank is not None)


@functools.lru_cache(maxsize=MEMO_SIZE)
def _memo(config: Config, seed: int) -> BankedLevel:
    return draw(config, seed)


def level_for_seed(config: Config, seed: int) -> BankedLevel:
    """The level a seeded reset of ``config`` draws: from a bank on disk, else from the memo, else generated."""
    for bank in _banks(bank_dir(), config):
        if 0 <= seed - bank.first < len(bank):
            return bank.entry(seed)
    return _memo(config, seed)


def _state_words(rng_state: dict[str, Any]) -> tuple[int, ...]:
    """A PCG64 ``bit_generator.state`` as six 64-bit words (the 128-bit state and increment split in two)."""
    low = (1 << 64) - 1
    state, inc = rng_state["state"]["state"], rng_state["state"]["inc"]
    return state >> 64, state & low, inc >> 64, inc & low, rng_state["has_uint32"], rng_state["uinteger"]


def _draw_range(config: Config, first: int, count: int) -> list[BankedLevel]:
    return [draw(config, seed) for seed in range(first, first + count)]


def build_bank(dim_room: tuple[int, int], num_boxes: int, min_pushes: int = 0, first: int = 0, count: int = 10_000,
               directory: str | os.PathLike | None = None, workers: int = 1) -> Path:
    """Generate the levels of seeds ``first .. first + count - 1`` and write them as one bank file.

    Args:
        dim_room: ``(height, width)`` of the env's room.
        num_boxes: Boxes per level.
        min_pushes: The env's ``min_pushes``.
        first: The first seed (an LLM task row's seed is its task id: train from 0, see
            :data:`agentenvs.agents.tasks.DEFAULT_RANGES` for the others).
        count: Seeds in the bank.
        directory: Where to write it (default :func:`bank_dir`).
        workers: Processes generating levels in parallel.

    Returns:
        The path of the bank file.
    """
    height, width = (int(v) for v in dim_room)
    check_generator_args((height, width), int(num_boxes), int(min_pushes))
    for name, value, low in (("first", first, 0), ("count", count, 1), ("workers", workers, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{name} must be an int >= {low}, got {value!r}")
    config: Config = (height, width, int(num_boxes), int(min_pushes))
    chunks = [(start, min(1000, first + count - start)) for start in range(first, first + count, 1000)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_draw_range, [config] * len(chunks), *zip(*chunks)))
    else:
        parts = [_draw_range(config, start, n) for start, n in chunks]
    entries = [entry for part in parts for entry in part]
    folder = Path(directory) if directory is not None else bank_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _file_name(config, first, count)
    cells = np.stack([entry.level.walls * _WALL | entry.level.goals * _GOAL | entry.level.boxes * _BOX
                      for entry in entries]).astype(np.uint8)
    states = np.array([_state_words(entry.rng_state) for entry in entries], dtype=np.uint64)
    temporary = folder / f"partial-{os.getpid()}-{path.name}"  # a name the readers' glob does not match
    np.savez_compressed(temporary, first=np.int64(first), cells=cells, states=states,
                        players=np.array([entry.level.player for entry in entries], dtype=np.int64),
                        labels=np.array([LABELS.index(entry.difficulty) for entry in entries], dtype=np.uint8))
    temporary.replace(path)  # readers never see half a file
    _banks.cache_clear()
    return path


def main(argv: list[str] | None = None) -> int:
    """``agentenvs sokoban-bank --dim-room 8 8 --num-boxes 4 --count 10000``: build one bank, print its path."""
    parser = argparse.ArgumentParser(prog="agentenvs sokoban-bank",
                                     description="Build a Sokoban level bank (see agentenvs.sokoban.bank).")
    parser.add_argument("--dim-room", nargs=2, type=int, default=(7, 7), metavar=("H", "W"))
    parser.add_argument("--num-boxes", type=int, default=2)
    parser.add_argument("--min-pushes", type=int, default=0)
    parser.add_argument("--first", type=int, default=0, help="first seed (task id)")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dir", default=None, help="default: $AGENTENVS_CACHE_DIR/sokoban-levels")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv[1:] if argv[:1] == ["sokoban-bank"] else argv)  # `agentenvs` passes its name
    height, width = args.dim_room
    print(build_bank((height, width), args.num_boxes, args.min_pushes, args.first, args.count, args.dir, args.workers))
    return 0
