"""Check the arguments of every component a config builds, before the run.

mmengine builds most components early, but a class that takes ``**kwargs``
accepts any misspelled argument and fails only when it uses them:
``default_hooks.checkpoint.intreval=1`` reaches ``CheckpointHook(**kwargs)``
and fails at the first checkpoint save, after thousands of iterations. Here
every config dict with a ``type`` in the sections a run builds (hooks,
model, optimizer, schedulers, datasets, samplers, evaluators, visualizer,
loops, model wrapper) is matched against the signature of its registered
class before the Runner exists.

How the accepted argument names are found (``accepted_arguments``): the
class's ``__init__`` parameters; when it also takes ``**kwargs`` and hands
them to ``super().__init__``, its bases' parameters too; when it hands them
elsewhere, the target listed in :data:`KWARGS_TARGETS` (``CheckpointHook``:
``Runner.save_checkpoint``, which takes nothing more; ``EMAHook``: the EMA
model class). A class whose ``**kwargs`` go somewhere unknown is not
checked (no false alarms). Nested configs (``optimizer``, ``sampling``,
``data_preprocessor``, ``vis_backends``...) are checked the same way.
"""
import difflib
import inspect
import re
from typing import Any, Callable, Dict, Iterator, Optional, Set, Tuple

from mmengine.config import Config
from mmengine.hooks import CheckpointHook, EMAHook
from mmengine.registry import (DATA_SAMPLERS, DATASETS, EVALUATOR, HOOKS,
                               LOG_PROCESSORS, LOOPS, METRICS, MODEL_WRAPPERS,
                               MODELS, OPTIM_WRAPPERS, OPTIMIZERS,
                               PARAM_SCHEDULERS, TRANSFORMS, VISBACKENDS,
                               VISUALIZERS, Registry)

__all__ = ['check_component_arguments', 'accepted_arguments',
           'KWARGS_TARGETS']

# Keys the builders take out of a component's config before calling it.
_ALWAYS = frozenset({'type', '_scope_'})
_POPPED = {
    id(HOOKS): {'priority'},
    id(OPTIM_WRAPPERS): {'constructor', 'paramwise_cfg'},
    id(PARAM_SCHEDULERS): {'convert_to_iter_based'},
}
# Arguments the builder injects (never in a config, harmless if checked).
_INJECTED = {'self', 'optimizer', 'params', 'module', 'model', 'dataset',
             'runner', 'dataloader', 'evaluator'}

#: ``**kwargs`` that a class hands to something other than its base: a
#: function of (class, config, registry) giving the extra accepted names.
KWARGS_TARGETS: Dict[type, Callable[[dict, Registry], Optional[Set[str]]]] = {
    # forwarded to Runner.save_checkpoint, whose every argument the hook
    # already passes: no extra name is valid
    CheckpointHook: lambda cfg, registry: set(),
    # forwarded to the EMA model class ``ema_type``
    EMAHook: lambda cfg, registry: _target_names(
        MODELS, cfg.get('ema_type', 'ExponentialMovingAverage')),
}

#: Nested config keys whose values are built from another registry.
NESTED_REGISTRIES = {
    'optimizer': OPTIMIZERS,
    'vis_backends': VISBACKENDS,
    'pipeline': TRANSFORMS,
    'sampler': DATA_SAMPLERS,
    'batch_sampler': DATA_SAMPLERS,
    'dataset': DATASETS,
}


def _signature_names(func: Any) -> Tuple[Set[str], Optional[str]]:
    """Named parameters of ``func`` and the name of its ``**kwargs``."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return set(), 'kwargs'  # builtin: unknown, treat as open
    names = {p.name for p in params
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    var = next((p.name for p in params if p.kind == p.VAR_KEYWORD), None)
    return names, var


def _passes_to_super(init: Any, var: str) -> bool:
    """Whether ``init``'s source hands ``**var`` to ``super().__init__``
    (or to ``Base.__init__(self, ...)``)."""
    try:
        source = inspect.getsource(init)
    except (OSError, TypeError):
        return False
    call = re.search(r'(super\([^)]*\)|\b[A-Z]\w*)\.__init__\(', source)
    return bool(call) and re.search(
        r'\*\*\s*' + re.escape(var) + r'\b', source[call.end():]) is not None


def accepted_arguments(cls: type, cfg: Optional[dict] = None,
                       registry: Optional[Registry] = None
                       ) -> Optional[Set[str]]:
    """Argument names ``cls(**cfg)`` accepts, or None when any may be.

    Args:
        cls (type): The registered class (a function is treated as open).
        cfg (dict, optional): Its config, for :data:`KWARGS_TARGETS`.
        registry (Registry, optional): Its registry.
    """
    if not inspect.isclass(cls):
        return None
    names: Set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        if klass is object:
            return names
        found, var = _signature_names(init)
        names |= found
        if var is None:
            return names
        if klass in KWARGS_TARGETS:
            extra = KWARGS_TARGETS[klass](cfg or {}, registry)
            return None if extra is None else names | extra
        if not _passes_to_super(init, var):
            return None
    return names


def _target_names(registry: Registry, type_name: Any) -> Optional[Set[str]]:
    cls = registry.get(type_name) if isinstance(type_name, str) else type_name
    return None if cls is None else accepted_arguments(cls)


def _lookup(registry: Registry, type_: Any, scope: Optional[str]) -> Any:
    if not isinstance(type_, str):
        return type_
    with registry.switch_scope_and_registry(scope) as scoped:
        return scoped.get(type_)


def _problems(cfg: Any, registry: Registry, path: str,
              scope: Optional[str]) -> Iterator[str]:
    """Messages for every unknown argument in ``cfg`` and its nested
    configs."""
    if isinstance(cfg, (list, tuple)):
        for i, item in enumerate(cfg):
            yield from _problems(item, registry, f'{path}[{i}]', scope)
        return
    if not isinstance(cfg, dict) or 'type' not in cfg:
        return
    try:
        cls = _lookup(registry, cfg['type'], cfg.get('_scope_', scope))
    except Exception:  # a type mmengine resolves otherwise: its business
        cls = None
    if cls is None:
        return
    accepted = accepted_arguments(cls, cfg, registry)
    if accepted is not None:
        allowed = (accepted | _ALWAYS | _INJECTED
                   | _POPPED.get(id(registry), set()))
        for key in cfg:
            if key not in allowed:
                close = difflib.get_close_matches(
                    key, sorted(accepted - _INJECTED), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ''
                yield (f"{path}.{key}: {cls.__name__} has no argument "
                       f"'{key}'{hint}")
    for key, value in cfg.items():
        if key == 'type':
            continue
        nested = NESTED_REGISTRIES.get(key, registry)
        yield from _problems(value, nested, f'{path}.{key}', scope)


def _sections(cfg: Config) -> Iterator[Tuple[str, Any, Registry]]:
    """(path, config, registry) of every component section a run builds."""
    for name, hook in (cfg.get('default_hooks') or {}).items():
        yield f'default_hooks.{name}', hook, HOOKS
    yield 'custom_hooks', cfg.get('custom_hooks'), HOOKS
    yield 'model', cfg.get('model'), MODELS
    yield 'model_wrapper_cfg', cfg.get('model_wrapper_cfg'), MODEL_WRAPPERS
    yield 'optim_wrapper', cfg.get('optim_wrapper'), OPTIM_WRAPPERS
    yield 'param_scheduler', cfg.get('param_scheduler'), PARAM_SCHEDULERS
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader') or {}
        if isinstance(loader, dict):
            for key in ('dataset', 'sampler', 'batch_sampler'):
                yield (f'{split}_dataloader.{key}', loader.get(key),
                       NESTED_REGISTRIES[key])
        evaluator = cfg.get(f'{split}_evaluator')
        if isinstance(evaluator, dict) and 'metrics' in evaluator:
            yield (f'{split}_evaluator', evaluator, EVALUATOR)
            evaluator = evaluator['metrics']
        yield f'{split}_evaluator', evaluator, METRICS
        yield f'{split}_cfg', cfg.get(f'{split}_cfg'), LOOPS
    yield 'visualizer', cfg.get('visualizer'), VISUALIZERS
    log_processor = cfg.get('log_processor')
    if isinstance(log_processor, dict):
        log_processor = dict(log_processor)
        log_processor.setdefault('type', 'LogProcessor')
    yield 'log_processor', log_processor, LOG_PROCESSORS


def check_component_arguments(cfg: Config) -> None:
    """Refuse misspelled or unknown arguments of the components ``cfg``
    builds, naming each one (``default_hooks.checkpoint.intreval``).

    Run it after ``custom_imports`` are imported (``Config.fromfile`` does)
    and after ``--cfg-options`` are merged.

    Raises:
        TypeError: Listing every unknown argument with a close match.
    """
    scope = cfg.get('default_scope')
    problems = [message for path, section, registry in _sections(cfg)
                for message in _problems(section, registry, path, scope)]
    if problems:
        raise TypeError(
            'Unknown argument(s) in the config, found before anything was '
            'built:\n  ' + '\n  '.join(problems) + '\nFix the spelling in '
            'the config or in --cfg-options.')
