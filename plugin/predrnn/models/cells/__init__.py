"""Recurrent cells."""
from .st_lstm_cell import SpatioTemporalLSTMCell, SpatioTemporalLSTMCellV2
from .action_st_lstm_cell import ActionSpatioTemporalLSTMCell

__all__ = ['SpatioTemporalLSTMCell', 'SpatioTemporalLSTMCellV2',
           'ActionSpatioTemporalLSTMCell']
