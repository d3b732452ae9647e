# PredRNN-V2 on WeatherBench 2 m temperature at 5.625 degrees, OpenSTL's
# recipe (its configs/weather/t2m_5_625/PredRNNv2.py): 4 ST-LSTM layers of
# 128 channels, 5x5 kernels, 2x2 patches, decoupling weight 0.1, reverse
# scheduled sampling (25k, 50k, alpha 5000), Adam lr 5e-4 with cosine decay
# and no warm-up, batch 16, 12 -> 12 hours of 32 x 64. 50 epochs: set
# --cfg-options train_cfg.max_epochs=N to match another run.
_base_ = [
    '../_base_/models/predrnnv2.py', '../_base_/datasets/weatherbench.py',
    '../_base_/default_runtime.py'
]
max_epochs = 50

model = dict(
    in_frames=12,
    out_frames=12,
    frame_channels=1,
    sampling=dict(
        type='ReverseScheduledSampling', s1=25000, s2=50000, alpha=5000),
    data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=2))

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=5e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=0,
         end=max_epochs, T_max=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    checkpoint=dict(by_epoch=True, interval=5, max_keep_ckpts=3,
                    save_best='wrmse', rule='less'))
log_processor = dict(by_epoch=True)
