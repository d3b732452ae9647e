"""The global training iteration, for curricula inside the model.

mmengine's ``RuntimeInfoHook`` (priority ``VERY_HIGH``) writes
``runner.iter`` to the message hub under ``'iter'`` in ``before_train`` and
in every ``before_train_iter``, i.e. before ``model.train_step`` of that
iteration. During the i-th training step (0-based) the value is ``i``: it
counts the iterations completed before this one, so it is ``0`` in the first
step and equals the ``meta['iter']`` of the checkpoint a resumed run starts
from. Validation and testing do not change it; a run that never trained
(``tools/test.py``) has no ``'iter'`` at all.
"""
from typing import Optional

from mmengine.logging import MessageHub

__all__ = ['get_current_iter']


def get_current_iter(default: Optional[int] = 0) -> Optional[int]:
    """The 0-based global training iteration mmengine is running.

    Args:
        default (int, optional): Returned when no training iteration has
            been recorded (model built outside a Runner, testing only).
            Defaults to 0.

    Returns:
        int or None: ``MessageHub.get_current_instance().get_info('iter')``,
        or ``default``.
    """
    value = MessageHub.get_current_instance().get_info('iter', None)
    return default if value is None else int(value)
