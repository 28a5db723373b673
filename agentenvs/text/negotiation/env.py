"""Negotiation as a PettingZoo ``ParallelEnv``: structured moves for classic RL, or text moves for LLM agents."""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded
from pettingzoo import ParallelEnv

from ...core.arguments import refuse_unknown_kwargs
from ...core.info import make_info
from ...core.reward_state import FieldDoc, describe_reward_state
from ...core.text import fit_text, text_space
from ...errors import ConfigError
from ...sokoban.validation import check_int, check_seed
from .generator import generate_game
from .rules import (
    ITEM_NAMES,
    MAX_COUNT,
    NUM_ACTIONS,
    NUM_TYPES,
    TOTAL_VALUE,
    Game,
    Move,
    action_to_move,
    apply_move,
    describe_items,
    is_legal,
    legal_mask,
    message_of,
    parse_move,
    rest,
    rewards,
)

MAX_ACTION_LENGTH = 512
"""Characters of a text action read; the rest is cut (``info["action_truncated"]``)."""

MAX_MESSAGE_LENGTH = 200
"""Characters of a free message relayed to the other agent; the rest is dropped."""

OBS_FIELDS = 3 * NUM_TYPES + 3
"""Structured observation: counts, own values, items offered to me (-1: none), proposal is mine, my turn, steps."""

REWARD_STATE_DOCS = {
    "counts": FieldDoc("items of each type in the pool", "items"),
    "values": FieldDoc("this agent's private value of one item of each type", "points per item"),
    "offer": FieldDoc("items this agent gets if the standing proposal is accepted; -1 when there is none", "items"),
    "my_proposal": FieldDoc("the standing proposal is this agent's own", "flag"),
    "my_turn": FieldDoc("this agent moves next", "flag"),
    "agreement": FieldDoc("a proposal was accepted", "flag"),
    "utility": FieldDoc("this agent's value of the agreed split (0 without agreement)", "points"),
}


def parallel_env(max_turns: int = 10, text: bool = False, render_mode: str | None = None,
                 **unknown: Any) -> NegotiationEnv:
    """Build :class:`NegotiationEnv` (PettingZoo parallel API)."""
    refuse_unknown_kwargs("Negotiation", unknown, parallel_env)
    return NegotiationEnv(max_turns, text, render_mode)


class NegotiationEnv(ParallelEnv):
    """Deal or No Deal (Lewis et al. 2017): two agents split a pool of books, hats and balls.

    ## Description
    A seeded pool of 1-4 items of each of three types; each agent values the items privately, the
    whole pool worth 10 to each (see :mod:`.generator`; every game has a fair Pareto-efficient split).
    Agents alternate, ``player_0`` first; only the agent whose turn it is acts, the other's action is
    ignored. An illegal or unparseable move passes the turn with ``info["action_is_valid"] = False``.

    ## Action Space
    Structured: ``Discrete(127)``: ``a*25 + b*5 + c`` proposes to take ``a`` books, ``b`` hats, ``c``
    balls (the other gets the rest), 125 accepts the other's standing proposal, 126 walks away.
    Text (``text=True``): ``"propose: books=1 hats=2 balls=0"``, ``"accept"`` or ``"walk away"``,
    optionally followed by ``"message: ..."``: free text the rules ignore and the other agent reads
    (its first 200 characters) in its next observation, as in the paper's dialogues.

    ## Observation Space
    Structured: a dict per agent as PettingZoo's classic envs have: ``"observation"`` ``int64[12]``
    (counts, own values, items offered to me or -1, the proposal is mine, my turn, steps) and
    ``"action_mask"`` ``int8[127]`` (all 0 when it is not the agent's turn). Text (``text=True``):
    ``"observation"`` as above and ``"text"``, the state in words with the other agent's last message
    (what an LLM agent reads; PettingZoo's API test checks the ``"observation"`` entry, as in its
    classic envs).

    ## Rewards
    At the end, each agent's value of the agreed split; 0 for both on walking away or on running out of turns.

    ## Episode End
    Terminated on acceptance or walking away; truncated after ``max_turns`` moves without agreement.

    ## Arguments
    ``max_turns=10``, ``text=False``, ``render_mode`` in ``{None, "ansi"}``.

    ## Version History
    - v0: initial version.
    """

    metadata: dict[str, Any] = {"render_modes": ["ansi"], "name": "negotiation_v0", "is_parallelizable": True}

    def __init__(self, max_turns: int = 10, text: bool = False, render_mode: str | None = None):
        self.max_turns = check_int("max_turns", max_turns, 1)
        if not isinstance(text, bool):
            raise ConfigError(f"text must be True or False, got {text!r}")
        if render_mode not in (None, "ansi"):
            raise ConfigError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.text = text
        self.render_mode = render_mode
        self.possible_agents = ["player_0", "player_1"]
        self.agents: list[str] = []
        self._rng = np.random.default_rng()
        high = np.array([MAX_COUNT] * NUM_TYPES + [TOTAL_VALUE] * NUM_TYPES + [MAX_COUNT] * NUM_TYPES
                        + [1, 1, self.max_turns], dtype=np.int64)
        low = np.array([0] * 2 * NUM_TYPES + [-1] * NUM_TYPES + [0, 0, 0], dtype=np.int64)
        self._text_space = text_space()
        structured: dict[str, spaces.Space] = {
            "observation": spaces.Box(low, high, (OBS_FIELDS,), np.int64),
            "action_mask": spaces.Box(0, 1, (NUM_ACTIONS,), np.int8),
        }
        if text:  # a mask over Discrete moves means nothing to text actions (PettingZoo's tests sample with it)
            structured = {"observation": structured["observation"], "text": self._text_space}
        self._obs_space = spaces.Dict(structured)
        self._messages = ["", ""]
        self._action_space: spaces.Space = text_space(MAX_ACTION_LENGTH) if text else spaces.Discrete(NUM_ACTIONS)
        self._reward_state_space = spaces.Dict({
            "counts": spaces.Box(0, MAX_COUNT, (NUM_TYPES,), np.int64),
            "values": spaces.Box(0, TOTAL_VALUE, (NUM_TYPES,), np.int64),
            "offer": spaces.Box(-1, MAX_COUNT, (NUM_TYPES,), np.int64),
            "my_proposal": spaces.Box(0, 1, (), bool),
            "my_turn": spaces.Box(0, 1, (), bool),
            "agreement": spaces.Box(0, 1, (), bool),
            "success": spaces.Box(0, 1, (), bool),
            "utility": spaces.Box(0.0, float(TOTAL_VALUE), (), np.float32),
            "steps": spaces.Box(0, self.max_turns, (), np.int64),
            "max_steps": spaces.Box(self.max_turns, self.max_turns, (), np.int64),
        })
        self.reward_state_doc = describe_reward_state(self._reward_state_space, REWARD_STATE_DOCS)

    def observation_space(self, agent: str) -> spaces.Space:
        self._index(agent)
        return self._obs_space

    def action_space(self, agent: str) -> spaces.Space:
        self._index(agent)
        return self._action_space

    def reward_state_space(self, agent: str) -> spaces.Dict:
        """The space ``reward_state()[agent]`` lies in (the same for both agents)."""
        self._index(agent)
        return self._reward_state_space

    def _index(self, agent: str) -> int:
        if agent not in self.possible_agents:
            raise ConfigError(f"unknown agent {agent!r}; possible agents: {self.possible_agents}")
        return self.possible_agents.index(agent)

    @property
    def game(self) -> Game:
        """The current game (read-only: a frozen :class:`~.rules.Game`)."""
        if not hasattr(self, "_game"):
            raise ResetNeeded("call reset() before using NegotiationEnv")
        return self._game

    # -- episodes ----------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict, dict]:
        seed = check_seed(seed)
        if seed is not None or not hasattr(self, "_game"):
            self._rng = np.random.default_rng(seed)
        self._game = generate_game(self._rng)
        self._messages = ["", ""]
        self.agents = list(self.possible_agents)
        return self._observations(), self._infos(valid=True, truncated_text=False)

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        game = self.game
        if not self.agents:  # the game is over: nobody is left to act, as PettingZoo parallel envs answer
            return {}, {}, {}, {}, {}
        mover = self.possible_agents[game.turn]
        move, cut = self._read(actions.get(mover))
        if self.text and isinstance(actions.get(mover), str):
            self._messages[game.turn] = message_of(actions[mover][:MAX_ACTION_LENGTH])[:MAX_MESSAGE_LENGTH]
        self._game = after = apply_move(game, game.turn, move)
        valid = move is not None and is_legal(game, game.turn, move)
        truncated = after.outcome is None and after.steps >= self.max_turns
        observations = self._observations()
        infos = self._infos(valid, cut, game.turn)
        scores = rewards(after)
        agents = self.agents
        if after.outcome is not None or truncated:
            self.agents = []
        return (observations, {a: scores[self._index(a)] for a in agents},
                {a: after.outcome is not None for a in agents}, {a: truncated for a in agents}, infos)

    def _read(self, action: Any) -> tuple[Move | None, bool]:
        """The move an action names (``None`` for garbage) and whether a text action was cut."""
        if not self.text:
            if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
                return None, False
            return (action_to_move(int(action)) if 0 <= action < NUM_ACTIONS else None), False
        if not isinstance(action, str):
            return None, False
        return parse_move(action[:MAX_ACTION_LENGTH]), len(action) > MAX_ACTION_LENGTH

    # -- views -------------------------------------------------------------------------------
    def _offer(self, index: int) -> tuple[tuple[int, ...], bool]:
        game = self.game
        if game.standing is None:
            return (-1,) * NUM_TYPES, False
        proposer, take = game.standing
        return (take if proposer == index else rest(game.counts, take)), proposer == index

    def _observations(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for agent in self.agents:
            index = self._index(agent)
            offer, mine = self._offer(index)
            game = self.game
            vector = [*game.counts, *game.values[index], *offer, int(mine), int(game.turn == index), game.steps]
            out[agent] = {"observation": np.array(vector, dtype=np.int64)}
            if self.text:
                out[agent]["text"] = fit_text(self.describe(agent), self._text_space)
            else:
                out[agent]["action_mask"] = np.array(legal_mask(game, index), dtype=np.int8)
        return out

    def _infos(self, valid: bool, truncated_text: bool, mover: int = -1) -> dict[str, dict[str, Any]]:
        """Each live agent's info; ``valid`` and ``truncated_text`` are the ``mover``'s (others' actions ignored)."""
        game = self.game
        scores = rewards(game)
        out = {}
        for agent in self.agents:
            index = self._index(agent)
            extra: dict[str, Any] = {"utility": scores[index], "my_turn": game.outcome is None and game.turn == index}
            if self.text:
                extra["action_truncated"] = truncated_text and index == mover
            out[agent] = make_info(game.agreed is not None, game.steps, valid or index != mover, extra)
        return out

    def describe(self, agent: str) -> str:
        """The game as ``agent`` sees it in words: instruction, the other's last message, proposal, whose turn."""
        index = self._index(agent)
        game = self.game
        offer, mine = self._offer(index)
        if game.standing is None:
            standing = "No proposal is on the table."
        elif mine:
            standing = f"Your proposal stands: you take {describe_items(offer)}."
        else:
            standing = f"The other agent proposes that you get {describe_items(offer)}."
        said = self._messages[1 - index]
        if said:
            standing = f'The other agent says: "{said}"\n{standing}'
        if game.outcome is not None:
            turn = f"The game is over ({game.outcome})."
        else:
            turn = "It is your turn." if game.turn == index else "It is the other agent's turn."
        return f"{self.instruction()[agent]}\n{standing}\n{turn} Turn {game.steps} of {self.max_turns}."

    def reward_state(self) -> dict[str, dict[str, np.ndarray]]:
        """Each agent's reward state: counts, own values, the offer to it, whose proposal and turn, agreement."""
        game = self.game
        scores = rewards(game)
        out = {}
        for index, agent in enumerate(self.possible_agents):
            offer, mine = self._offer(index)
            out[agent] = {
                "counts": np.array(game.counts, dtype=np.int64),
                "values": np.array(game.values[index], dtype=np.int64),
                "offer": np.array(offer, dtype=np.int64),
                "my_proposal": np.array(mine),
                "my_turn": np.array(game.outcome is None and game.turn == index),
                "agreement": np.array(game.agreed is not None),
                "success": np.array(game.agreed is not None),
                "utility": np.array(scores[index], dtype=np.float32),
                "steps": np.array(game.steps, dtype=np.int64),
                "max_steps": np.array(self.max_turns, dtype=np.int64),
            }
        return out

    def instruction(self) -> dict[str, str]:
        """Each agent's goal in words: the pool, its own values, and how to move."""
        game = self.game
        out = {}
        for index, agent in enumerate(self.possible_agents):
            worth = ", ".join(f"{name} {v} each" for name, v in zip(ITEM_NAMES, game.values[index]))
            out[agent] = (f"Split the pool {describe_items(game.counts)} with the other agent. Your values: {worth} "
                          f"(the pool is worth {TOTAL_VALUE} to you; the other agent's values are private). "
                          "You score your value of your share if a proposal is accepted, else 0. Move with "
                          "'propose: books=a hats=b balls=c' (what you take), 'accept' or 'walk away'; "
                          "text after 'message:' is a free message.")
        return out

    def state(self) -> np.ndarray:
        """The global state: counts, both agents' values, the standing take (-1 none), its proposer, turn, steps."""
        game = self.game
        proposer, take = game.standing if game.standing else (-1, (-1,) * NUM_TYPES)
        return np.array([*game.counts, *game.values[0], *game.values[1], *take, proposer, game.turn, game.steps],
                        dtype=np.int64)

    def render(self) -> str | None:
        """Both agents' views in words (``"ansi"``), or None without a render mode."""
        if self.render_mode is None:
            return None
        return "\n\n".join(f"[{agent}]\n{self.describe(agent)}" for agent in self.possible_agents)

    def close(self) -> None:
        """Nothing to release."""
