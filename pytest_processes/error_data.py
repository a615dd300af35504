"""processes' import path ``error_data``: what failed, where, and what it took down."""

from .model.error_data import ErrorData

__all__ = ["ErrorData"]
