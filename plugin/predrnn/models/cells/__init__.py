"""Recurrent cells."""
from .st_lstm_cell import SpatioTemporalLSTMCell, SpatioTemporalLSTMCellV2

__all__ = ['SpatioTemporalLSTMCell', 'SpatioTemporalLSTMCellV2']
