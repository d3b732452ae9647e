"""Checks a config before any training starts, so mistakes fail fast with a
message naming them instead of hours later (or never)."""
import difflib
import inspect
import os
import os.path as osp
from typing import Iterable, List

from mmengine.config import Config
from mmengine.runner import Runner

#: Top-level keys mmengine's Runner and Config understand.
RUNNER_KEYS = frozenset(
    name for name in inspect.signature(Runner.__init__).parameters
    if name not in ('self', 'cfg')) | {
        '_base_', 'custom_imports', 'model_wrapper_cfg',
        'find_unused_parameters', 'sync_bn', 'compile'}


def check_top_level_keys(cfg: Config) -> None:
    """Refuse a top-level key that looks like a misspelled Runner key.

    OpenMMLab configs routinely define helper variables (``data_root``,
    ``batch_size`` ...), so unknown keys are allowed unless they are a near
    miss of a key the Runner reads (``train_cgf``, ``optim_wraper``):
    mmengine would silently ignore those.
    """
    problems = []
    for key in cfg.keys():
        if key in RUNNER_KEYS:
            continue
        close = difflib.get_close_matches(key, RUNNER_KEYS, n=1, cutoff=0.85)
        if close:
            problems.append(f'{key!r} (did you mean {close[0]!r}?)')
    if problems:
        raise KeyError('Unknown config key(s) ' + ', '.join(problems) +
                       '; mmengine would ignore them silently. Fix the '
                       'spelling in the config or in --cfg-options.')


def check_clip_shapes(cfg: Config) -> None:
    """Check that the datasets' clips fit the model: lengths, channels and
    divisibility of the frame size by the patch size."""
    from predrnn.models.utils import check_patchable
    model = cfg.get('model', {})
    patch = model.get('data_preprocessor', {}).get('patch_size', 4)
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(split) or {}).get('dataset') or {}
        if 'image_size' in dataset:
            size = dataset['image_size']
            h, w = (size, size) if isinstance(size, int) else size
            try:
                check_patchable(h, w, patch)
            except ValueError as e:
                raise ValueError(f'{split}.dataset: {e}') from None
        for key in ('in_frames', 'out_frames'):
            if key in dataset and key in model and dataset[key] != model[key]:
                raise ValueError(
                    f'{split}.dataset.{key}={dataset[key]} but '
                    f'model.{key}={model[key]}; they must agree.')


def default_work_dir(config_path: str) -> str:
    """``./work_dirs/<config folder>/<config name>``, the work dir of a
    config run without ``--work-dir`` by tools/train.py and tools/test.py.

    Decision: folder and name, so that configs of the same name in
    different folders (configs/mmnist/predrnnv2.py and
    configs/mfmnist/predrnnv2.py) never share a work dir, and a test run
    writes its logs and metrics.json beside the training run it evaluates.
    """
    config = osp.abspath(config_path)
    return osp.join('./work_dirs', osp.basename(osp.dirname(config)),
                    osp.splitext(osp.basename(config))[0])


def existing_checkpoints(work_dir: str) -> List[str]:
    """Checkpoint files an earlier run left in ``work_dir``."""
    if not osp.isdir(work_dir):
        return []
    return sorted(f for f in os.listdir(work_dir)
                  if f.endswith('.pth') or f == 'last_checkpoint')


def check_work_dir_is_free(work_dir: str, resume: bool,
                           allowed: Iterable[str] = ()) -> None:
    """Never let a fresh run overwrite an earlier run's checkpoints."""
    found = [f for f in existing_checkpoints(work_dir) if f not in allowed]
    if found and not resume:
        raise FileExistsError(
            f'{work_dir} already holds checkpoints of an earlier run '
            f'({", ".join(found[:3])}{" ..." if len(found) > 3 else ""}). '
            f'Continue that run with --resume, or start a new one with '
            f'--work-dir NEW_DIR; nothing was changed.')


def check_normalization_hook(cfg: Config) -> None:
    """Refuse a dataset that declares ``normalization`` in a run without
    ``DataNormalizationHook``.

    The hook is what hands the declared (or training-split) statistics to
    the data preprocessor, the metrics and the checkpoint; without it the
    preprocessor would silently scale uint8 by 1/255 and anything else by
    nothing, and the numbers would be in the wrong units.
    """
    declared = [
        split for split in ('train_dataloader', 'val_dataloader',
                            'test_dataloader')
        if ((cfg.get(split) or {}).get('dataset') or {}).get('normalization')
    ]
    if not declared:
        return
    hooks = list(cfg.get('custom_hooks') or []) + list(
        (cfg.get('default_hooks') or {}).values())
    if any(str((hook or {}).get('type', '')).split('.')[-1] ==
           'DataNormalizationHook' for hook in hooks):
        return
    raise ValueError(
        f'{", ".join(declared)}: the dataset declares `normalization` but '
        'no DataNormalizationHook is in custom_hooks, so the model would '
        'train on wrongly scaled values. Add custom_hooks = '
        "[dict(type='DataNormalizationHook')] (configs/_base_/datasets/"
        'own_sequences.py does), or inherit that base config.')


_MISSING = object()


def _lookup(cfg: Config, dotted: str):
    """The config's value at ``a.b.0.c`` (``_MISSING`` where absent)."""
    node = cfg
    for part in dotted.split('.'):
        if isinstance(node, (list, tuple)) and part.isdigit() and int(
                part) < len(node):
            node = node[int(part)]
        elif hasattr(node, 'get') and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


def check_option_types(cfg: Config, options: dict) -> None:
    """Refuse a ``--cfg-options`` value that is text where the config holds
    a number or a boolean (``train_cfg.max_iters=abc``): mmengine would
    take the text and fail far from the option, or compare it with numbers.

    Args:
        cfg (Config): The config before the options are merged.
        options (dict): Dotted key to value, as ``DictAction`` parsed them.
    """
    problems = []
    for key, value in (options or {}).items():
        old = _lookup(cfg, key)
        if old is _MISSING or old is None or not isinstance(value, str):
            continue
        if isinstance(old, bool):
            expected = 'True or False'
        elif isinstance(old, int):
            expected = 'an integer'
        elif isinstance(old, float):
            expected = 'a number'
        else:
            continue
        problems.append(f'{key}={value} ({expected} expected: the config '
                        f'has {old!r})')
    if problems:
        raise ValueError('--cfg-options: ' + '; '.join(problems) +
                         '. Give a value of that type.')
