"""A local file backend whose writes are atomic, for checkpoints.

mmengine's ``save_checkpoint`` serialises a checkpoint in memory and hands
the bytes to the file backend's ``put``; ``LocalBackend.put`` writes them
straight to ``iter_N.pth``, so a full disk (or a kill) leaves a truncated
file under the final name. :class:`AtomicLocalBackend` writes through
:func:`predrnn.utils.atomic_write` instead (temporary file beside, fsync,
rename when complete) and is otherwise mmengine's ``LocalBackend``.

It is registered under a new name, ``'predrnn_atomic_local'`` (mmengine's
own ``'local'`` backend is untouched), and selected for checkpoints in
``configs/_base_/default_runtime.py``::

    default_hooks = dict(checkpoint=dict(
        type='CheckpointHook',
        backend_args=dict(backend='predrnn_atomic_local')))

``CheckpointHook`` hands ``backend_args`` to ``Runner.save_checkpoint`` for
the periodic and the best checkpoints, and uses the same backend to remove
old ones. Its ``last_checkpoint`` pointer file is written by the hook with
``open`` directly, not through the backend.
"""
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from predrnn.utils.atomic_write import atomic_write

__all__ = ['AtomicLocalBackend', 'ATOMIC_LOCAL']

ATOMIC_LOCAL = 'predrnn_atomic_local'


class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` whose ``put`` and ``put_text`` replace the
    destination only with a complete file."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` atomically (folders created)."""
        with atomic_write(filepath) as tmp:
            with open(tmp, 'wb') as f:
                f.write(obj)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically (folders created)."""
        self.put(obj.encode(encoding), filepath)


try:
    register_backend(ATOMIC_LOCAL, AtomicLocalBackend)
except ValueError:  # this module imported a second time (importlib.reload)
    pass
