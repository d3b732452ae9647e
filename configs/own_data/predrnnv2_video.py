# PredRNN-V2 on your own colour, non-square video (docs/en/your_own_data.md).
#
# What: a small PredRNN-V2 (2 ST-LSTM layers of 32 channels, 3x3 kernels,
# 4x4 patches) forecasting 10 frames from 10 of a 48x64 RGB video, uint8
# frames normalised by data_range [0, 255], time split 80/10/10 with a
# one-window gap. Without a video of your own, make the synthetic one this
# config reads (moving coloured shapes, 2000 frames, 48x64):
#
#   python tools/dataset_converters/make_synthetic_video.py \
#       data/own/videos/shapes.mp4
#   python tools/train.py configs/own_data/predrnnv2_video.py
#   python tools/predict.py configs/own_data/predrnnv2_video.py \
#       work_dirs/own_data/predrnnv2_video/iter_1500.pth \
#       data/own/videos/shapes.mp4 --future 20 --format png gif npy
#
# For your videos: put them in data/own/videos (or set source= below to a
# file, folder or glob), set resize=(H, W) (both divisible by 4) and
# frame_size. Video decoding is repeated each run; for long videos convert
# once with tools/dataset_converters/videos_to_array.py and point source to
# the .npy (memory-mapped).
#
# Time on a 2-core CPU: 0.44 s per training iteration (batch 8, 20 frames)
# and about 12 minutes for the 1500 iterations with three validations,
# video decoding included, measured on a fresh clone on 2 idle cores of an
# Intel Xeon (lscpu "Intel(R) Xeon(R) Processor") on 2026-12-04 (0.70 s
# per iteration, about 18 minutes, on an Intel Xeon @ 2.50GHz, Cascade
# Lake). Read the log's 'time:' to see yours. On the synthetic video the
# validation MSE per frame was 267, 139 and 95 after 500, 1000 and 1500
# iterations against 663 for copying the last frame (moving shapes on a
# black background; see docs/en/your_own_data.md for static-camera footage).
_base_ = [
    '../_base_/models/predrnnv2.py', '../_base_/datasets/own_sequences.py',
    '../_base_/schedules/adam_80k.py', '../_base_/default_runtime.py'
]

in_frames, out_frames = 10, 10
frame_size = (48, 64)  # (H, W), divisible by the patch size 4
max_iters = 1500
val_interval = 500

model = dict(
    in_frames=in_frames,
    out_frames=out_frames,
    frame_channels=3,
    backbone=dict(num_layers=2, num_hidden=32, kernel_size=3),
    sampling=dict(
        type='ReverseScheduledSampling', s1=int(0.3 * max_iters),
        s2=int(0.6 * max_iters), alpha=0.03 * max_iters),
    data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=4))

dataset = dict(
    source='videos',  # data/own/videos: every video in it
    in_frames=in_frames,
    out_frames=out_frames,
    resize=frame_size,
    color='rgb',
    normalization=dict(kind='range', data_range=[0, 255]))
train_dataloader = dict(
    batch_size=8, num_workers=1, dataset=dict(dataset, split='train'))
val_dataloader = dict(
    batch_size=8, num_workers=1, dataset=dict(dataset, split='val'))
test_dataloader = dict(
    batch_size=8, num_workers=1, dataset=dict(dataset, split='test'))

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=val_interval, max_keep_ckpts=2))
