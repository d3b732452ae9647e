"""Losses."""
from .decoupling_loss import decoupling_loss

__all__ = ['decoupling_loss']
