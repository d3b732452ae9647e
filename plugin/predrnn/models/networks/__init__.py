"""Recurrent networks."""
from .predrnn_net import PredRNNNet

__all__ = ['PredRNNNet']
