"""LLM-agent RL interface: task rows, grouped vector envs for GRPO, action parsing, chat history, adapters."""
