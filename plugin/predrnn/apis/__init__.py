"""Inference: forecasting new clips with a trained model (tools/predict.py)."""
from .forecast import forecast, load_forecaster, normalization_of
from .forecast_writer import display_range, write_forecast

__all__ = ['forecast', 'load_forecaster', 'normalization_of',
           'display_range', 'write_forecast']
