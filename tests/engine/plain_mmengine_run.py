"""Train, load and resume a plain mmengine model (nothing of predrnn), and
print what came out as JSON; run as a subprocess by test_plugin_is_guest.py.

Usage: python plain_mmengine_run.py WORK_DIR [--import-predrnn]
"""
import json
import sys

import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner, checkpoint
from mmengine.runner.checkpoint import CheckpointLoader


def host_objects():
    """mmengine objects a guest plugin must leave as they are."""
    return dict(
        schemes_dict=CheckpointLoader._schemes,
        schemes=dict(CheckpointLoader._schemes),
        load_url=checkpoint.load_url,
        load_from_local=checkpoint.load_from_local,
        history_buffer=dict(vars(HistoryBuffer)),
        statistics=dict(HistoryBuffer._statistics_methods),
        torch_load=torch.load,
    )


BEFORE = host_objects()
if '--import-predrnn' in sys.argv:
    import predrnn  # noqa: F401
AFTER = host_objects()


class Plain(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 2)

    def forward(self, inputs, target=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=((out - target)**2).mean())
        return out


def dataset():
    gen = torch.Generator().manual_seed(0)
    return [dict(inputs=torch.randn(3, generator=gen),
                 target=torch.randn(2, generator=gen)) for _ in range(8)]


def runner(work_dir, max_iters, **kwargs):
    torch.manual_seed(0)
    return Runner(
        model=Plain(), work_dir=work_dir,
        train_dataloader=dict(
            dataset=dataset(), batch_size=2,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        param_scheduler=dict(type='OneCycleLR', eta_max=0.02, total_steps=6,
                             by_epoch=False),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           by_epoch=False, interval=1)),
        default_scope='mmengine', randomness=dict(seed=0),
        log_level='WARNING', **kwargs)


def weights(model):
    return {k: v.tolist() for k, v in model.state_dict().items()}


def main():
    work_dir = sys.argv[1]
    report = dict(unchanged={k: AFTER[k] is BEFORE[k] or AFTER[k] == BEFORE[k]
                             for k in BEFORE},
                  same_dict=AFTER['schemes_dict'] is BEFORE['schemes_dict'])
    runner(work_dir, 2).train()
    try:
        loaded = runner(work_dir + '_load', 2,
                        load_from=f'{work_dir}/iter_2.pth')
        loaded.load_or_resume()
        report['loaded'] = weights(loaded.model)
        resumed = runner(work_dir, 4, resume=True)
        resumed.train()
        report['resumed'] = dict(
            iter=resumed.iter, weights=weights(resumed.model),
            losses=len(resumed.message_hub.get_scalar('train/loss')
                       .data[0]))
    except Exception as error:  # noqa: BLE001 - reported to the test
        report['error'] = f'{type(error).__name__}: {error}'
    print('REPORT ' + json.dumps(report))


if __name__ == '__main__':
    main()
