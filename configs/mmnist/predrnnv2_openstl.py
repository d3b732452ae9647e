# PredRNN-V2 on Moving MNIST, OpenSTL's recipe (configs/mmnist/PredRNNv2.py):
# the same network, RSS alpha 5000, Adam lr 5e-4 with OneCycle, batch 16,
# 200 epochs of 10000 clips, no reversed clips.
# OpenSTL reports MSE 24.13, MAE 73.73, SSIM 0.9453, PSNR 23.21 (note: older
# OpenSTL SSIM used an implicit data_range of 2.0; see README "What the
# numbers mean"). Evaluation: ours only (OpenSTL's convention, raw
# predictions). Work dir: work_dirs/mmnist/predrnnv2_openstl.
# Time: 125,000 iterations of batch 16 (about 3.1x the clips of the
# authors' recipe, 1.6x counting their time-reversed copies); one GPU (not
# measured yet, see BENCHMARKS.md).
_base_ = [
    '../_base_/models/predrnnv2.py', '../_base_/datasets/mmnist.py',
    '../_base_/schedules/onecycle_200e.py', '../_base_/default_runtime.py'
]
model = dict(
    sampling=dict(
        type='ReverseScheduledSampling', s1=25000, s2=50000, alpha=5000))
train_dataloader = dict(
    batch_size=16, sampler=dict(type='EpochIndexSampler', shuffle=True))
default_hooks = dict(
    checkpoint=dict(by_epoch=True, interval=10, max_keep_ckpts=3,
                    save_best='mse', rule='less'))
log_processor = dict(by_epoch=True)
