"""verifiers plugin id ``agentenvs_verifiers``: agentenvs task rows as a verifiers taskset and env.

verifiers imports tasksets and envs by top-level module name; this module re-exports
:mod:`agentenvs.agents.adapters.verifiers` under that name (``pip install 'agentenvs[agents]'``).
"""
from agentenvs.agents.adapters.verifiers import AgentenvsEnv, AgentenvsTaskset

__all__ = ["AgentenvsEnv", "AgentenvsTaskset"]
