"""The global iteration ``PredRNN.current_iteration`` reads from mmengine's
message hub: 0-based, set before each train step, continued on resume."""
from mmengine.hooks import Hook
from mmengine.logging import MessageHub


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


def test_default_outside_training(tiny_predrnn_cls):
    MessageHub.get_instance('test_current_iteration_empty')  # now current
    assert tiny_predrnn_cls().current_iteration() == 0


def test_iter_is_zero_based_and_set_before_train_step(
        tmp_path, make_runner, tiny_predrnn_cls, clips):
    model, hook = tiny_predrnn_cls(), RecordIter()
    runner = make_runner(str(tmp_path), model=model, max_iters=3,
                         dataset=clips, custom_hooks=[hook])
    runner.train()
    assert model.seen_iters == [0, 1, 2]
    assert hook.before == [0, 1, 2] and hook.after == [0, 1, 2]
    assert runner.iter == 3


def test_iter_continues_on_resume(tmp_path, make_runner, tiny_predrnn_cls,
                                  clips):
    make_runner(str(tmp_path), model=tiny_predrnn_cls(), max_iters=2,
                dataset=clips).train()
    model = tiny_predrnn_cls()
    runner = make_runner(str(tmp_path), model=model, max_iters=4,
                         dataset=clips, resume=True)
    runner.train()
    assert model.seen_iters == [2, 3]
