"""The data a run is made of: dependencies, outcomes, error records and the report.

No behaviour lives here beyond building and reading these values; the engine,
the library API, the plugin and the report writers all import from this layer.
"""
