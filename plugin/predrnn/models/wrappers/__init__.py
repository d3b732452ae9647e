"""Model wrappers."""
from .distributed import DeviceAgnosticDistributedDataParallel

__all__ = ['DeviceAgnosticDistributedDataParallel']
