"""The TextQuest env: a thin :class:`gymnasium.Env` shell over :mod:`.generator` and :mod:`.rules`."""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.error import ResetNeeded

from ...core.arguments import refuse_unknown_kwargs
from ...core.info import make_info
from ...core.render import check_render_mode
from ...core.text import MAX_TEXT_LENGTH, TEXT_CHARSET, fit_text, text_space
from ...errors import ConfigError, InvalidActionError
from .generator import check_generator_args, generate_game
from .names import vocabulary
from .reward_state import reward_state_doc, reward_state_space, reward_state_values
from .rules import UNKNOWN, admissible_commands, command_text, execute
from .world import Game, holds

REWARD_MODES = ("sparse", "subgoal")
MAX_ACTION_LENGTH = 200
SPLIT_SEEDS = {"train": (0, 2**30), "val": (2**30, 2**30 + 2**20), "test": (2**30 + 2**20, 2**30 + 2**21)}
"""Split -> the half-open range of game seeds it draws worlds from (disjoint ranges)."""
WIN = "\n\n*** You have completed the quest! ***"
_CHARSET = frozenset(TEXT_CHARSET)


def check_env_args(max_steps: object, reward_mode: object, split: object) -> None:
    """Refuse a bad ``max_steps``, ``reward_mode`` or ``split``, naming the argument."""
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ConfigError(f"max_steps must be an int >= 1, got {max_steps!r}")
    if reward_mode not in REWARD_MODES:
        raise ConfigError(f"reward_mode must be one of {REWARD_MODES}, got {reward_mode!r}")
    vocabulary(split)  # type: ignore[arg-type]


class TextQuestEnv(gym.Env):
    """TextQuest: a TextWorld / ALFWorld-like text adventure with a generated world and quest.

    ## Description
    The player walks between rooms joined by doors in compass directions (some locked), finds
    keys, opens and unlocks containers and doors, and carries things; the goal is a quest of
    ``quest_length`` steps such as "take the brass key, unlock the oak door, take the red apple,
    then put the red apple in the wicker basket". Worlds come from a seeded generator (a tree
    of rooms, so every quest is solvable; each world has a walkthrough); look-alike distractors
    ("green apple" beside the "red apple", keys that fit nothing) make reading matter.

    ## Action Space
    ``Text`` of at most 200 characters over :data:`agentenvs.core.TEXT_CHARSET`: a command
    such as ``go north`` (or ``north``, ``n``; likewise south/east/west), ``look``,
    ``inventory``, ``examine X``, ``take X``, ``drop X``, ``open X``, ``close X``,
    ``unlock X with Y``, ``put X in Y`` / ``put X on Y``. Case, articles and punctuation do not
    matter; a thing may be named by its last word when that is unambiguous. A command that is
    not understood or does nothing gets the reply a player expects ("I don't understand that.",
    "You can't see any such thing.") with ``info["action_is_valid"] = False``; longer text is cut
    to 200 characters with ``info["action_truncated"] = True``; ``bytes`` are decoded as UTF-8,
    and bytes that are not UTF-8 or text with characters outside the charset are invalid actions.
    Anything else (an int, None) raises :class:`~agentenvs.errors.InvalidActionError`.
    ``info["admissible_commands"]`` lists exactly the commands that change or reveal something
    now; ``action_is_valid`` is True exactly for those.

    ## Observation Space
    ``Text`` of at most 4096 characters over :data:`agentenvs.core.TEXT_CHARSET` (printable
    ASCII with newlines): the reply to the last command. ``reset`` gives the goal and the first
    room; moving or ``look`` gives a room: ``-= Name =-``, its furniture and what is on or in it,
    the things on the floor, and its exits. ``env.unwrapped.instruction()`` is the goal alone;
    ``env.unwrapped.reward_state()`` holds the world's facts (location, inventory, where each
    thing is, door and container states, quest progress) as ``reward_state_doc`` describes.

    ## Rewards
    - ``"sparse"`` (default): 1.0 on the step that completes the quest, else 0.0.
    - ``"subgoal"``: ``1 / quest_length`` on each step that first reaches a quest step (each
      counts once), so an episode's rewards add up to 1.0 on completion.

    ## Episode End
    - Termination: every quest step has been reached (``info["is_success"]``).
    - Truncation: ``max_steps`` steps without completing; time never terminates an episode.

    Every ``info`` has ``is_success``, ``action_is_valid``, ``steps``, ``admissible_commands``
    (list of str), ``action_truncated`` (bool) and ``subgoals_done`` (int).

    ## Arguments
    - ``rooms=5``: rooms in the world (1..16).
    - ``objects=10``: filler things (furniture and loose items) besides the quest's (0..60).
    - ``distractors=2``: look-alikes of the quest's target and keys that fit nothing (0..20).
    - ``quest_length=5``: quest steps; each locked door on the way needs a room behind it.
    - ``max_steps=100``: truncation limit.
    - ``reward_mode="sparse"``: ``"sparse"`` or ``"subgoal"``.
    - ``split="train"``: ``"train"``, ``"val"`` or ``"test"``: disjoint ranges of game seeds
      (:data:`SPLIT_SEEDS`); ``"test"`` also uses room and object names no other split uses.
    - ``render_mode=None``: ``"ansi"`` renders the last observation.

    ``reset(options={"game_seed": g})`` plays the world of game seed ``g`` (in the split's
    range); ``reset(options={"game": game})`` plays a given :class:`~.world.Game`.

    ## Version History
    - v0: initial version.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, rooms: int = 5, objects: int = 10, distractors: int = 2, quest_length: int = 5,
                 max_steps: int = 100, reward_mode: str = "sparse", split: str = "train",
                 render_mode: str | None = None, **unknown: Any):
        refuse_unknown_kwargs("TextQuestEnv", unknown, TextQuestEnv.__init__)
        check_generator_args(rooms, objects, distractors, quest_length)
        check_env_args(max_steps, reward_mode, split)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.knobs = dict(rooms=int(rooms), objects=int(objects), distractors=int(distractors),
                          quest_length=int(quest_length))
        self.max_steps, self.reward_mode, self.split = int(max_steps), reward_mode, split
        self._text = text_space(MAX_TEXT_LENGTH)
        self.observation_space = self._text
        self.action_space = text_space(MAX_ACTION_LENGTH)
        self.reward_state_space = reward_state_space(self.knobs["quest_length"], self.max_steps)
        self.reward_state_doc = reward_state_doc(self.reward_state_space)
        self._game: Game | None = None
        self._obs = ""

    # -- episode ---------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        options = options or {}
        unknown = sorted(map(repr, set(options) - {"game", "game_seed"})) if isinstance(options, dict) else None
        if unknown is None or unknown:
            raise ConfigError(f"options must be a dict with keys 'game' or 'game_seed', got {options!r:.80}")
        game = options.get("game")
        if game is None:
            game = generate_game(np.random.default_rng(self._game_seed(options.get("game_seed"))), split=self.split,
                                 **self.knobs)
        elif not isinstance(game, Game) or len(game.quest) != self.knobs["quest_length"]:
            raise ConfigError(f"options['game'] must be a Game with quest_length={self.knobs['quest_length']} "
                              f"subgoals, got {game!r:.80}")
        self._game, self.state, self._steps = game, game.initial.copy(), 0
        self.subgoal_reached = [holds(s.fact, self.state) for s in game.quest]
        self._obs = fit_text(game.goal + "\n\n" + execute(game, self.state, "look")[0], self._text)
        return self._obs, self._info(True, False)

    def _game_seed(self, chosen: Any) -> int:
        low, high = SPLIT_SEEDS[self.split]
        if chosen is None:
            return int(self.np_random.integers(low, high))
        if isinstance(chosen, bool) or not isinstance(chosen, (int, np.integer)) or not low <= chosen < high:
            raise ConfigError(f"options['game_seed'] must be an int in [{low}, {high}) for split={self.split!r}, "
                              f"got {chosen!r}")
        return int(chosen)

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        game = self._game
        if game is None:
            raise ResetNeeded("call reset() before step() on TextQuestEnv")
        text, truncated_action = self._read(action)
        reply, accepted = execute(game, self.state, text) if text is not None else (UNKNOWN, False)
        self._steps += 1
        new = 0
        if accepted:
            for i, subgoal in enumerate(game.quest):
                if not self.subgoal_reached[i] and holds(subgoal.fact, self.state):
                    self.subgoal_reached[i] = True
                    new += 1
        success = all(self.subgoal_reached)
        if success and new:
            reply += WIN
        if self.reward_mode == "subgoal":
            reward = new / len(game.quest)
        else:
            reward = 1.0 if success and new else 0.0
        self._obs = fit_text(reply, self._text)
        return self._obs, reward, success, not success and self._steps >= self.max_steps, \
            self._info(accepted, truncated_action)

    def _read(self, action: Any) -> tuple[str | None, bool]:
        """The command text of ``action`` (``None`` when it is not readable text) and whether it was cut."""
        if isinstance(action, (bytes, bytearray)):
            try:
                action = bytes(action).decode("utf-8")
            except UnicodeDecodeError:
                return None, False
        elif not isinstance(action, str):
            raise InvalidActionError(f"TextQuest takes a text command (str), got {type(action).__name__}")
        cut = len(action) > MAX_ACTION_LENGTH
        action = action[:MAX_ACTION_LENGTH]
        return (None if not _CHARSET.issuperset(action) else action), cut

    def _info(self, valid: bool, truncated_action: bool) -> dict[str, Any]:
        done = sum(self.subgoal_reached)
        return make_info(done == len(self.subgoal_reached), self._steps, valid, {
            "admissible_commands": self.admissible_commands(),
            "action_truncated": truncated_action,
            "subgoals_done": done,
        })

    # -- structured state ------------------------------------------------------------------
    @property
    def game(self) -> Game:
        """The world being played (its map, things, quest and walkthrough)."""
        if self._game is None:
            raise ResetNeeded("call reset() before reading game on TextQuestEnv")
        return self._game

    def admissible_commands(self) -> list[str]:
        """The commands that change or reveal something now (``info["admissible_commands"]``)."""
        return [command_text(self.game, c) for c in admissible_commands(self.game, self.state)]

    def reward_state(self) -> dict[str, Any]:
        """The world's facts, in :attr:`reward_state_space`; see :attr:`reward_state_doc`."""
        return reward_state_values(self.game, self.state, self.subgoal_reached, self._steps, self.max_steps)

    def instruction(self) -> str:
        """The quest in words."""
        return self.game.goal

    def render(self) -> str | None:
        """The last observation (``"ansi"``); ``None`` with a warning without a render mode."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; build the env with render_mode='ansi'")
            return None
        return self._obs



