"""The fair-split proposer: a privileged reference policy for Negotiation that reads both valuations."""
from __future__ import annotations

from typing import Any

from .env import NegotiationEnv
from .rules import ACCEPT, PROPOSE, Move, fair_split, move_text, move_to_action, rest, utility


class FairSplitOracle:
    """Proposes the fair Pareto-efficient split (:func:`~.rules.fair_split`); accepts an offer worth as much.

    It reads the env's game (both private valuations), so it bounds what negotiators can reach
    from above rather than playing fairly. Used for both agents, the first mover proposes and the
    other accepts: an agreement on the fair split in two turns.
    """

    def __init__(self, env: Any, seed: int = 0) -> None:
        self.env = env

    def _base(self) -> NegotiationEnv:
        return self.env.unwrapped if hasattr(self.env, "unwrapped") else self.env

    def move(self, agent: str) -> Move:
        """The oracle's move for ``agent`` in the current game."""
        env = self._base()
        game = env.game
        index = env.possible_agents.index(agent)
        take0 = fair_split(game.counts, game.values)
        if take0 is None:  # the generator never makes such a game; ask for the whole pool's better half
            take0 = game.counts
        mine = take0 if index == 0 else rest(game.counts, take0)
        target = utility(game.values[index], mine)
        if game.standing is not None and game.standing[0] != index:
            offered = rest(game.counts, game.standing[1])
            if utility(game.values[index], offered) >= target:
                return Move(ACCEPT)
        return Move(PROPOSE, mine)

    def act(self, agent: str) -> Any:
        """The oracle's action for ``agent``: a Discrete index, or text in the text version."""
        move = self.move(agent)
        return move_text(move) if self._base().text else move_to_action(move)

    def actions(self) -> dict[str, Any]:
        """Every live agent's action (only the mover's counts)."""
        return {agent: self.act(agent) for agent in self._base().agents}
