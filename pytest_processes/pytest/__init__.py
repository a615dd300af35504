"""The pytest side of pytest-processes (imports pytest; the engine never imports this)."""
