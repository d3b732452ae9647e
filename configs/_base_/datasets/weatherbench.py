# WeatherBench at 5.625 degrees (32 x 64), one variable, OpenSTL's protocol
# (weather_t2m_5_625): hourly, 12 -> 12, train 2010-2015, val 2016, test
# 2017-2018, z-scored with the training years. Files as distributed:
# data/weather_5.625deg/2m_temperature/2m_temperature_<year>_5.625deg.nc
# (check with `python tools/prepare_data.py weatherbench`). Needs the weather
# extra: pip install -e ".[weather]".
# Scores: VideoPredictionMetric (`mse_units` / `mae_units` are per-frame sums
# in K; divide by 32 x 64 for OpenSTL's per-pixel means) and the
# latitude-weighted RMSE / ACC of WeatherBench (`wrmse`, `wacc`, in K).
dataset_type = 'WeatherBench'
data_root = 'data/weather_5.625deg'
_dataset = dict(type=dataset_type, data_root=data_root, variable='t2m',
                in_frames=12, out_frames=12, patch_size=2)

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(_dataset, split='train'))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(_dataset, split='val'))
test_dataloader = dict(val_dataloader, dataset=dict(_dataset, split='test'))

val_evaluator = [
    dict(type='VideoPredictionMetric', return_per_step=False),
    dict(type='LatWeightedMetric', return_per_step=False),
]
test_evaluator = [
    dict(type='VideoPredictionMetric', return_per_step=True),
    dict(type='LatWeightedMetric', return_per_step=True),
]
custom_hooks = [dict(type='DataNormalizationHook')]
