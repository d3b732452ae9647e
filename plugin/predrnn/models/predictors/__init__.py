"""mmengine ``BaseModel`` wrappers."""
from .predrnn import PredRNN
from .predrnn_v2 import PredRNNv2
from .action_cond_predrnn_v2 import ActionCondPredRNNv2

__all__ = ['PredRNN', 'PredRNNv2', 'ActionCondPredRNNv2']
