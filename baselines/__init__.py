"""baselines: SB3 agents against any agentenvs env x reward shaper, experiment grids and paper-ready reports."""
