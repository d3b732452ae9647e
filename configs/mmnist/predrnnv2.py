# PredRNN-V2 on Moving MNIST, the authors' recipe (thuml/predrnn-pytorch,
# mnist_script/predrnn_v2_mnist_train.sh; TPAMI 2022 Table 2):
# 4x128 ST-LSTM, kernel 5, patch 4, beta 0.1, reverse scheduled sampling
# (25000, 50000, alpha 2500), Adam 1e-4, batch 8, 80000 iterations, every
# iteration also trained on the time-reversed clips.
#
# Reversed clips: reverse_input='two_steps' is the authors' trainer: two
# optimizer steps per iteration, one on the 8 clips, then one on their time
# reversals with the updated weights, both with the iteration's curriculum
# mask (160000 Adam steps in all; the logged losses are the mean of both).
# --cfg-options model.reverse_input=one_step takes one step on the mean loss
# of the clips and their reversals instead (80000 steps, one forward over 16
# clips: a different recipe, twice the activation memory).
#
# Paper: MSE 48.4 / SSIM 0.891 per frame on mnist_test_seq.npy.
# Evaluation reports two conventions side by side: ours ('mse', 'ssim', ...,
# raw predictions, as OpenSTL; 'mse' selects the best checkpoint) and the
# authors' ('authors/mse', 'authors/ssim', ...: predictions clipped to
# [0, 1] before the MSE, PSNR and SSIM on uint8-quantised frames), the one
# to compare with the paper's table (README, "What the numbers mean").
# Work dir: work_dirs/mmnist/predrnnv2.
# Time: one GPU is the intended hardware (GPU time not measured yet, see
# BENCHMARKS.md); on a 2-core CPU an iteration took about 90 s (measured
# with the one-step variant; two steps do the same arithmetic in two passes,
# not measured separately), so use configs/mmnist/predrnnv2_cpu_quick.py
# there.
_base_ = [
    '../_base_/models/predrnnv2.py', '../_base_/datasets/mmnist.py',
    '../_base_/schedules/adam_80k.py', '../_base_/default_runtime.py'
]
model = dict(reverse_input='two_steps')

# ours first (its unprefixed 'mse' is the checkpoint hook's save_best key),
# then the authors' convention under 'authors/' (no second copy-last
# baseline: ours reports it)
val_evaluator = [
    dict(type='VideoPredictionMetric', return_per_step=False),
    dict(type='VideoPredictionMetric', authors_convention=True,
         prefix='authors', with_copy_last=False, return_per_step=False)
]
test_evaluator = [
    dict(type='VideoPredictionMetric', return_per_step=True),
    dict(type='VideoPredictionMetric', authors_convention=True,
         prefix='authors', with_copy_last=False, return_per_step=True)
]
