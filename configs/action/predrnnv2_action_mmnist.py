# Action-conditioned PredRNN-V2 on Controllable Moving MNIST, small enough
# for a CPU: does knowing the future commands help the forecast?
#
# What it shows: in ControllableMovingMNIST each digit follows a random
# per-frame command (one of nine moves, switching with probability 0.5 per
# frame, independently of the images), so the future motion is not in the
# observed frames. This model is given the commands (the authors'
# multiplicative fusion: conv_a of the tiled command gates the hidden path);
# configs/action/predrnnv2_uncond_mmnist.py is the same
# network without them, trained the same way. Compare their validation
# 'mse' with each other and with 'copy_last/mse' (copy the last observed
# frame), logged next to it. Measured results: BENCHMARKS.md, "Conditioned
# forecasts".
#
# Size: 32x32 frames, one 14x14 digit moving 0.2 of the free width per
# axis and frame (commands switch with probability 0.5 per frame), 4 -> 4
# frames, 2 ST-LSTM layers of 32 channels, 3x3 kernels, 4x4 patches (no
# stride-2 encoders at this size), Adam 1e-3, batch 8, 500 iterations,
# reverse scheduled sampling compressed into the run. Runs without
# downloaded data (stand-in digits, with a warning).
#
# Time (measured, BENCHMARKS.md "Conditioned forecasts"): 11-12 minutes of
# wall time on a 2-core CPU shared with other jobs, run at nice 19 next to
# the other two configs (0.7-1.9 s per iteration). On an idle 2-core Intel
# Xeon @ 2.50GHz (2026-11-27): 0.19 s per iteration, so about 2 minutes of
# training (measured over 60 iterations) plus the validations; on 2 shared
# cores of an Intel Xeon with OMP_NUM_THREADS=1 (2026-12-04): 65 s end to
# end.
# Expect val 'mse' about 12.6 against about 16.4 for the unconditioned twin
# and 26.2 for copy-last-frame (measured 2026-12-04, README "Conditioned
# forecasts").
#
#   python tools/train.py configs/action/predrnnv2_action_mmnist.py
_base_ = ['../_base_/default_runtime.py']

in_frames, out_frames = 4, 4
image_size, digit_size, num_digits = 32, 14, 1
max_iters = 500
val_interval = 250
data_root = 'data/moving_mnist'
controllable = dict(
    type='ControllableMovingMNIST', data_root=data_root, in_frames=in_frames,
    out_frames=out_frames, image_size=image_size, digit_size=digit_size,
    num_digits=num_digits, step_length=0.2, change_prob=0.5)

model = dict(
    type='PredRNNv2',
    in_frames=in_frames,
    out_frames=out_frames,
    frame_channels=1,
    backbone=dict(
        type='ActionPredRNNNet',
        condition_channels=2 * num_digits,  # (u_y, u_x) per digit
        fusion='multiplicative',
        conv_on_input=False,
        num_layers=2,
        num_hidden=32,
        kernel_size=3),
    beta=0.1,
    sampling=dict(
        type='ReverseScheduledSampling', s1=int(0.3 * max_iters),
        s2=int(0.6 * max_iters), alpha=0.03 * max_iters),
    data_preprocessor=dict(
        type='ConditionedVideoDataPreprocessor', patch_size=4))

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteEpochIndexSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(controllable, split='train', num_clips=10000))
val_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(controllable, split='val', num_clips=200))
test_dataloader = val_dataloader
val_evaluator = dict(type='VideoPredictionMetric', return_per_step=False)
test_evaluator = dict(type='VideoPredictionMetric', return_per_step=True)

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = []
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=val_interval, max_keep_ckpts=1))
