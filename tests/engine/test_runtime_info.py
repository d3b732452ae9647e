"""The global iteration the model reads from the message hub."""
from mmengine.hooks import Hook
from mmengine.logging import MessageHub

from predrnn.engine import get_current_iter


class RecordIter(Hook):
    """Records ``'iter'`` as hooks see it around each train step."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.before, self.after = [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.before.append(runner.message_hub.get_info('iter'))

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self.after.append(runner.message_hub.get_info('iter'))


def test_default_outside_training():
    MessageHub.get_instance('test_runtime_info_empty')  # now current
    assert get_current_iter() == 0
    assert get_current_iter(default=None) is None


def test_iter_is_zero_based_and_set_before_train_step(tmp_path, make_runner,
                                                      toy_model_cls):
    model, hook = toy_model_cls(), RecordIter()
    runner = make_runner(
        str(tmp_path), model=model, max_iters=3, custom_hooks=[hook])
    runner.train()
    assert model.seen_iters == [0, 1, 2]
    assert hook.before == [0, 1, 2] and hook.after == [0, 1, 2]
    assert runner.iter == 3


def test_iter_continues_on_resume(tmp_path, make_runner, toy_model_cls):
    make_runner(str(tmp_path), max_iters=2).train()
    model = toy_model_cls()
    runner = make_runner(str(tmp_path), model=model, max_iters=4, resume=True)
    runner.train()
    assert model.seen_iters == [2, 3]
