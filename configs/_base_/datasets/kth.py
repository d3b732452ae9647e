# KTH actions (data/kth/<action>/personNN_<action>_dM_uncomp/image_NNNN.*,
# check with `python tools/prepare_data.py kth`): 128 x 128 grey frames in
# [0, 1], persons 1-16 train, 17-25 validate and test, the authors' window
# rule (no overlap for the slow actions, every 3rd frame for jogging and
# running).
dataset_type = 'KTHAction'
data_root = 'data/kth'
_dataset = dict(type=dataset_type, data_root=data_root, in_frames=10,
                out_frames=20, patch_size=4)

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(_dataset, split='train'))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(_dataset, split='test'))
test_dataloader = val_dataloader

val_evaluator = dict(type='VideoPredictionMetric', return_per_step=False)
test_evaluator = dict(type='VideoPredictionMetric', return_per_step=True)
