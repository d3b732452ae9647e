# Users' own sequences: videos, frame folders, .npy/.npz arrays or gridded
# fields (docs/en/your_own_data.md). Override in your config, e.g.
#   train_dataloader = dict(dataset=dict(source='my_videos/*.mp4'))
# and the same keys in val_dataloader / test_dataloader (or build the three
# from one dict as configs/own_data/predrnnv2_video.py does).
#
# Defaults: one long timeline per source split by time 80/10/10 with a gap
# of one window between the ranges (no window shares a frame with another
# split), 10 -> 10 frames, uint8 images in [0, 255] (kind='range'). For
# radar, fields or other units set e.g.
#   normalization=dict(kind='range', data_range=[0, 70], units='dBZ')
#   normalization=dict(kind='meanstd')   # statistics of the training split
# The DataNormalizationHook below gives the statistics to the model, the
# metrics, <work_dir>/normalization.json and every checkpoint's meta.
dataset_type = 'SequenceDataset'
data_root = 'data/own'
in_frames, out_frames = 10, 10

_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    source='videos',  # a file, folder or glob relative to data_root
    layout=None,  # arrays only: NTCHW, NTHWC, TNHW, TCHW, THWC or THW
    split_by='time',
    split_ratios=(0.8, 0.1, 0.1),
    in_frames=in_frames,
    out_frames=out_frames,
    frame_stride=1,
    resize=None,  # (H, W), divisible by the model's patch size
    color=None,  # 'rgb', 'gray' or None (keep the source's channels)
    normalization=dict(kind='range', data_range=[0, 255]),
    patch_size=4)

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(_dataset, split='train', window_stride=1))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    # non-overlapping windows: each evaluated frame counts once
    dataset=dict(_dataset, split='val', window_stride=in_frames + out_frames))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(_dataset, split='test',
                 window_stride=in_frames + out_frames))

val_evaluator = dict(type='VideoPredictionMetric', return_per_step=False)
test_evaluator = dict(type='VideoPredictionMetric', return_per_step=True)

custom_hooks = [dict(type='DataNormalizationHook')]
