# PredRNN-V2 on TaxiBJ, OpenSTL's recipe (its configs/taxibj/PredRNNv2.py):
# 4 ST-LSTM layers of 128 channels, 5x5 kernels, 2x2 patches, decoupling
# weight 0.1, reverse scheduled sampling (25k, 50k, alpha 5000), Adam lr 5e-4
# with 5 warm-up epochs then cosine decay, batch 16, 4 -> 4 frames of
# 2 x 32 x 32. 200 epochs, as our OpenSTL Moving MNIST recipe; set
# --cfg-options train_cfg.max_epochs=N to match another run.
# Data: data/taxibj/dataset.npz (python tools/prepare_data.py taxibj checks it).
_base_ = [
    '../_base_/models/predrnnv2.py', '../_base_/datasets/taxibj.py',
    '../_base_/default_runtime.py'
]
max_epochs, warmup_epochs = 200, 5

model = dict(
    in_frames=4,
    out_frames=4,
    frame_channels=2,
    sampling=dict(
        type='ReverseScheduledSampling', s1=25000, s2=50000, alpha=5000),
    data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=2))

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.02, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, T_max=max_epochs - warmup_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    checkpoint=dict(by_epoch=True, interval=10, max_keep_ckpts=3,
                    save_best='mse', rule='less'))
log_processor = dict(by_epoch=True)
