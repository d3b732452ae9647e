"""Recurrent networks."""
from .predrnn_net import PredRNNNet
from .action_predrnn_net import ActionPredRNNNet

__all__ = ['PredRNNNet', 'ActionPredRNNNet']
