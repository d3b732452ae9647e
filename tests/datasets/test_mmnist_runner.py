"""The samplers inside mmengine's Runner: fresh clips every epoch, and the
same stream after resuming iteration-based training."""
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

import predrnn  # noqa: F401  (registers the plugin)


class Recorder(BaseModel):
    """Toy model recording every training batch."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.seen = []

    def forward(self, inputs, mode='loss'):
        self.seen.append(inputs.clone())
        return dict(loss=self.w.sum() * 0 + inputs.float().mean() * 0)


def make_runner(work_dir, model, sampler, train_cfg, tmp_data, **kwargs):
    dataset = dict(type='MovingMNIST', data_root=str(tmp_data),
                   image_size=16, digit_size=8, in_frames=2, out_frames=1,
                   num_clips=4, num_stand_in_digits=10)
    return Runner(
        model=model,
        work_dir=str(work_dir),
        train_dataloader=dict(
            batch_size=2, num_workers=0, sampler=sampler, dataset=dataset,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.0)),
        train_cfg=train_cfg,
        default_scope='predrnn',
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=100),
            checkpoint=dict(type='CheckpointHook', interval=3,
                            by_epoch=train_cfg.get('by_epoch', True))),
        log_level='WARNING',
        **kwargs)


def test_epoch_based_gets_new_clips_each_epoch(tmp_path):
    model = Recorder()
    runner = make_runner(tmp_path / 'w', model,
                         dict(type='EpochIndexSampler'),
                         dict(by_epoch=True, max_epochs=2), tmp_path)
    runner.train()
    dataset = runner.train_dataloader.dataset
    seen = torch.cat(model.seen)
    expected = torch.stack(
        [dataset[(e, i)]['inputs'] for e in range(2) for i in range(4)])
    assert torch.equal(seen, expected)


def test_iter_based_resume_same_stream(tmp_path):
    # Unshuffled (the default), the stream does not depend on the Runner's
    # seed, which differs between these runs.
    sampler = dict(type='InfiniteEpochIndexSampler')
    full = Recorder()
    make_runner(tmp_path / 'full', full, sampler,
                dict(by_epoch=False, max_iters=6), tmp_path).train()
    part = Recorder()
    make_runner(tmp_path / 'part', part, sampler,
                dict(by_epoch=False, max_iters=3), tmp_path).train()
    resumed = Recorder()
    make_runner(tmp_path / 'part', resumed, sampler,
                dict(by_epoch=False, max_iters=6), tmp_path,
                resume=True).train()
    assert len(resumed.seen) == 3
    assert torch.equal(torch.cat(resumed.seen), torch.cat(full.seen[3:]))
    # 6 batches of 2 over 4 clips: passes 0, 1 and 2 differ.
    assert not torch.equal(full.seen[0], full.seen[2])
