# TaxiBJ crowd flows from OpenSTL's data/taxibj/dataset.npz (check a download
# with `python tools/prepare_data.py taxibj`): 8-frame samples of 2 x 32 x 32
# inflow / outflow in [-1, 1], 4 -> 4, OpenSTL's split (validation on the
# test arrays). `mse` / `mae` are on OpenSTL's [0, 1] scale; `mse_units` /
# `mae_units` in the stored [-1, 1] units.
dataset_type = 'TaxiBJ'
data_root = 'data/taxibj'

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 patch_size=2))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 patch_size=2))
test_dataloader = val_dataloader

val_evaluator = dict(type='VideoPredictionMetric', return_per_step=False)
test_evaluator = dict(type='VideoPredictionMetric', return_per_step=True)

custom_hooks = [dict(type='DataNormalizationHook')]
