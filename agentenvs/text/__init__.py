"""The text family: envs whose observations and actions are text, for LLM agents and text-RL."""
