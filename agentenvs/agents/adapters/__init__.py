"""Adapters from :func:`agentenvs.agents.make` envs to LLM RL trainers.

- :mod:`.trl`: TRL's ``GRPOTrainer(environment_factory=...)`` (an env class whose public methods are tools).
- :mod:`.verifiers`: a verifiers (``verifiers.v1``) taskset and env that play agentenvs task rows.

Both import their trainer lazily; ``pip install 'agentenvs[agents]'`` installs them.
"""
