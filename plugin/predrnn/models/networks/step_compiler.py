"""Compile the step of a recurrence once per kind of step, never again.

A recurrence runs the same layer stack ``T - 1`` times per clip; compiling
that step (not the unrolled clip) keeps compile time independent of ``T``
and lets inductor fuse the ~20 pointwise gate operations of every cell into
a few kernels. Dynamo caches compiled graphs per Python code object and
guards each entry on the global state (grad mode, autocast) and the inputs
(``None`` or tensor, shapes, dtypes, ``requires_grad``). One code object
called in several situations -- the first step with all-zero states and the
later ones, training and validation -- would therefore collect cache entries
through guard failures, i.e. recompile, and share one ``cache_size_limit``.

:class:`StepCompiler` instead gives every *variant* (the step function, the
caller's key, grad mode and autocast state) its own copy of the function's
code object, compiled once with ``fullgraph=True`` (no graph break, hence no
host synchronisation such as ``.item()`` inside a step) and
``dynamic=False`` (kernels specialised to the shapes). Within a variant the
guards hold at every step and iteration, so
``torch._dynamo.config.error_on_recompile=True`` can stay on; only a new
input shape (e.g. a smaller last batch) compiles that variant once more.
"""
import inspect
import types
from typing import Any, Callable, Dict, Optional, Tuple, Union

import torch

__all__ = ['StepCompiler']

#: ``torch.compile`` settings used unless the user's options override them.
DEFAULT_OPTIONS = dict(fullgraph=True, dynamic=False)


def _copy_function(fn: Callable, tag: str) -> Callable:
    """``fn`` with a fresh code object (its own dynamo cache)."""
    code = fn.__code__.replace(co_name=f'{fn.__name__}__{tag}')
    copy = types.FunctionType(code, fn.__globals__, code.co_name,
                              fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


class StepCompiler:
    """Per-variant compiled step functions of one network.

    Args:
        options (bool | dict): ``False``: eager (every call returns the
            function unchanged). ``True``: ``torch.compile`` with
            :data:`DEFAULT_OPTIONS`. A dict: ``torch.compile`` keyword
            arguments on top of those, e.g. ``dict(mode='reduce-overhead')``
            for CUDA graphs or ``dict(backend='aot_eager')`` to debug.
    """

    def __init__(self, options: Union[bool, dict] = False) -> None:
        if options is True:
            options = {}
        elif options is False or options is None:
            options = None
        elif not isinstance(options, dict):
            raise TypeError(
                f'compile must be True, False or a dict of torch.compile '
                f'arguments (e.g. dict(mode="reduce-overhead")), got '
                f'{options!r}.')
        if options is not None:
            # refused here, when the model is built, rather than by
            # torch.compile at the first training step
            known = set(inspect.signature(torch.compile).parameters) - {
                'model'}
            unknown = sorted(set(options) - known)
            if unknown:
                raise TypeError(
                    f'compile={options!r}: {unknown} are not torch.compile '
                    f'arguments; use some of {sorted(known)}.')
        self.options: Optional[Dict[str, Any]] = (
            None if options is None else {**DEFAULT_OPTIONS, **options})
        self._compiled: Dict[Tuple, Callable] = {}

    @property
    def enabled(self) -> bool:
        return self.options is not None

    @property
    def uses_cuda_graphs(self) -> bool:
        """Whether inductor replays the steps as CUDA graphs: the modes
        that turn them on, or inductor's ``triton.cudagraphs`` option."""
        if not self.enabled:
            return False
        inductor_options = self.options.get('options') or {}
        return (self.options.get('mode') in ('reduce-overhead',
                                             'max-autotune')
                or bool(inductor_options.get('triton.cudagraphs')))

    def begin_rollout(self, device: torch.device) -> None:
        """Tell cudagraph trees that a new rollout (iteration) starts, so the
        outputs of the previous one may be overwritten. Without it every
        rollout would record new graphs. No-op unless CUDA graphs are on."""
        if self.uses_cuda_graphs and device.type == 'cuda':
            torch.compiler.cudagraph_mark_step_begin()

    def __call__(self, fn: Callable, *key: Any,
                 device_type: str = 'cpu') -> Callable:
        """The function to run for this variant.

        Args:
            fn (Callable): A plain function (e.g. an unbound method, called
                with the module as first argument).
            *key: What else selects the variant (Python constants the step
                branches on, e.g. whether it computes the decoupling loss).
            device_type (str): Device of the inputs, for the autocast state.

        Returns:
            ``fn`` itself when compilation is off, while tracing with
            ``torch.jit`` (FLOP counting) or inside an outer
            ``torch.compile``; otherwise its compiled copy for the variant.
        """
        if (not self.enabled or torch.jit.is_tracing()
                or torch.compiler.is_compiling()):
            return fn
        autocast = torch.is_autocast_enabled(device_type)
        variant = (fn.__qualname__, *key, torch.is_grad_enabled(),
                   device_type, autocast,
                   torch.get_autocast_dtype(device_type) if autocast else None)
        compiled = self._compiled.get(variant)
        if compiled is None:
            tag = str(len(self._compiled))
            compiled = torch.compile(_copy_function(fn, tag),
                                     **self.device_options(device_type))
            self._compiled[variant] = compiled
        return compiled

    def device_options(self, device_type: str) -> Dict[str, Any]:
        """The ``torch.compile`` arguments for inputs on ``device_type``.

        On the CPU inductor's layout optimisation (convolutions in
        channels-last, with the states and weights converted at every step)
        is switched off unless the user sets inductor options or a mode:
        on the paper model it made compiled training 0.89x and inference
        0.91x of eager, against 0.96x and 1.05x without it (BENCHMARKS.md);
        ``channels_last=True`` on the network asks for NHWC explicitly. GPUs
        keep inductor's default (tensor cores prefer NHWC).
        """
        options = dict(self.options)
        if (device_type == 'cpu'
                and options.get('backend', 'inductor') == 'inductor'
                and 'options' not in options and 'mode' not in options):
            options['options'] = dict(layout_optimization=False)
        return options

    def __getstate__(self) -> dict:
        # compiled functions are neither picklable nor worth copying: a copy
        # of the network (deepcopy for EMA, pickling) compiles its own
        return dict(self.__dict__, _compiled={})
