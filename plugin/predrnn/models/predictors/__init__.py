"""mmengine ``BaseModel`` wrappers."""
from .predrnn import PredRNN
from .predrnn_v2 import PredRNNv2

__all__ = ['PredRNN', 'PredRNNv2']
