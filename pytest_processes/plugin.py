"""pytest --processes: collects tasks_*.py and runs them through the engine (being built)."""
