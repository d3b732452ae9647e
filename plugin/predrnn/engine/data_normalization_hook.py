"""Carry the data's normalisation from the training split to the model, the
metrics, the work dir and the checkpoints.

Decision: the statistics are computed once on the training
split by the dataset (:class:`~predrnn.datasets.SequenceDataset`); this hook

* sets them on the model's data preprocessor before training, validation
  and testing (the model trains on normalised values);
* writes them to ``<work_dir>/normalization.json`` (atomically), next to the
  config mmengine dumps there;
* gives the validation/test datasets and evaluators exactly the training
  statistics (metrics convert back to data units with them);
* after a checkpoint is loaded (``tools/test.py``, resume), uses the
  statistics the checkpoint was trained with: mmengine stores the training
  dataset's ``metainfo`` in every checkpoint's ``meta['dataset_meta']``, and
  ``metainfo['normalization']`` is the contract of
  :mod:`predrnn.datasets.normalization`. ``tools/predict.py`` reads the same
  entry.

A dataset without ``metainfo['normalization']`` (Moving MNIST) leaves
everything as it is.
"""
import json
import logging
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from predrnn.registry import HOOKS
from predrnn.utils import atomic_write

FILE_NAME = 'normalization.json'


def dataset_normalization(dataset) -> Optional[dict]:
    """``metainfo['normalization']`` of a dataset (or None)."""
    meta = getattr(dataset, 'metainfo', None) or {}
    return meta.get('normalization')


def checkpoint_normalization(checkpoint: dict) -> Optional[dict]:
    """The training statistics stored in an mmengine checkpoint (or None)."""
    meta = (checkpoint or {}).get('meta') or {}
    return (meta.get('dataset_meta') or {}).get('normalization')


@HOOKS.register_module()
class DataNormalizationHook(Hook):
    """See the module docstring. Add it with
    ``custom_hooks = [dict(type='DataNormalizationHook')]`` (the base config
    ``configs/_base_/datasets/own_sequences.py`` does).

    Args:
        file_name (str): Name of the JSON written in the work dir.
            Defaults to ``'normalization.json'``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, file_name: str = FILE_NAME) -> None:
        self.file_name = file_name
        self.normalization: Optional[dict] = None
        self._from_checkpoint: Optional[dict] = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._from_checkpoint = checkpoint_normalization(checkpoint)

    def before_train(self, runner) -> None:
        norm = dataset_normalization(runner.train_dataloader.dataset)
        if norm is None:
            return
        if self._from_checkpoint and self._from_checkpoint != norm:
            print_log(
                'DataNormalizationHook: the loaded checkpoint was trained '
                f'with other statistics ({self._from_checkpoint}) than this '
                f'training split ({norm}); training goes on with the '
                "training split's.",
                logger='current', level=logging.WARNING)
        self.normalization = norm
        if is_main_process():
            path = osp.join(runner.work_dir, self.file_name)
            with atomic_write(path) as tmp:
                with open(tmp, 'w') as f:
                    json.dump(norm, f, indent=2)
            print_log(f'Data normalisation {norm} saved to {path}',
                      logger='current')
        self._apply(runner, norm, None)

    def before_val(self, runner) -> None:
        self._apply(runner, self._current(runner.val_loop), runner.val_loop)

    def before_test(self, runner) -> None:
        self._apply(runner, self._current(runner.test_loop),
                    runner.test_loop)

    def _current(self, loop) -> Optional[dict]:
        """Training statistics of this run, else the checkpoint's, else the
        evaluated dataset's own (computed on its training split)."""
        return (self.normalization or self._from_checkpoint
                or dataset_normalization(loop.dataloader.dataset))

    @staticmethod
    def _apply(runner, norm: Optional[dict], loop) -> None:
        if norm is None:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        model.data_preprocessor.set_normalization(norm)
        if loop is None:
            return
        dataset = loop.dataloader.dataset
        if hasattr(dataset, 'set_normalization') and \
                dataset_normalization(dataset) != norm:
            dataset.set_normalization(norm)
        loop.evaluator.dataset_meta = dataset.metainfo
