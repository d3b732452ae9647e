# PredRNN-V2 on KTH, the authors' recipe (thuml/predrnn-pytorch,
# kth_script/predrnn_v2_kth_train.sh): 4x128 ST-LSTM, kernel 5, patch 4,
# decoupling weight 0.01, reverse scheduled sampling (5000, 50000, alpha
# 2000), Adam 1e-4, batch 4, 80000 iterations, time-reversed clips, 10 -> 10
# frames of 128 x 128 as their script trains.
# Paper (TPAMI 2022, 10 -> 20): PSNR 28.37, SSIM 0.839, LPIPS 0.139; to test
# at 10 -> 20 give --cfg-options test_dataloader.dataset.out_frames=20
# model.out_frames=20. This project has not trained it to the end yet.
_base_ = [
    '../_base_/models/predrnnv2.py', '../_base_/datasets/kth.py',
    '../_base_/default_runtime.py'
]
frames = dict(in_frames=10, out_frames=10)
model = dict(
    **frames,
    beta=0.01,
    reverse_input='two_steps',
    sampling=dict(
        type='ReverseScheduledSampling', s1=5000, s2=50000, alpha=2000))
train_dataloader = dict(dataset=frames)
val_dataloader = dict(dataset=frames)
test_dataloader = dict(dataset=frames)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
