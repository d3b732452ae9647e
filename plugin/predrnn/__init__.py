"""PredRNN and PredRNN-V2 for spatiotemporal predictive learning, as an
mmengine plugin (Wang et al., TPAMI 2022, arXiv 2103.09504).

Importing ``predrnn`` registers every component in the ``predrnn`` scope.
"""
from . import (datasets, engine, evaluation, models, utils,  # noqa: F401
               visualization)
from .registry import SCOPE

__version__ = '0.1.0'
__all__ = ['SCOPE', '__version__']
