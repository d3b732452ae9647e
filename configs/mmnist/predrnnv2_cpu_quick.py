# PredRNN-V2 on Moving MNIST, small enough to watch it learn on a laptop CPU.
#
# What: the authors' recipe (predrnnv2.py) shrunk: 2 ST-LSTM layers of 32
# channels, 3x3 kernels, 4x4 patches on 32x32 frames with two 14x14 digits
# (the 64/28 geometry halved), 10 -> 10 frames, Adam lr 1e-3, batch 8,
# reverse scheduled sampling compressed into the run (s1 = 30%, s2 = 60% of
# max_iters; the authors' 25k/50k of 80k), no reversed clips. Runs without
# downloaded data: the train digits fall back to the embedded stand-in
# digits (a warning says so) and val/test is a generated fixed set of 200
# clips, cached under data_root (test_file=None: the standard 64x64
# mnist_test_seq.npy does not fit 32x32 frames).
#
# Time (measured on an otherwise idle 2-core CPU, torch 2.x float32):
# 0.43 s per iteration, 4 s per validation, 12 s of start-up, so the 1500
# iterations with three validations take about 11 minutes (11 min 11 s
# measured end to end on an AMD EPYC Zen 3). On 2 idle cores of an Intel
# Xeon (lscpu "Intel(R) Xeon(R) Processor", 2026-12-04): 0.21 s per
# iteration, 5 min 39 s end to end. A CPU shared with other jobs is slower.
#
# Expect (measured on the stand-in digits, 2026-12-04): the training loss
# falls from about 0.045 (iteration 50) and the validation 'mse' (per frame,
# summed over the 32x32 pixels; lower is better) is 28.2, 26.0 and 23.3 after
# 500, 1000 and 1500 iterations (2 threads; 28.3, 25.8, 23.2 with one), against 60.2 for the copy-last-frame
# baseline logged next to it as 'copy_last/mse' (and 37.3 for predicting
# black frames). The baselines depend only on the generated test set, the
# same bytes on every machine (its sha256 is logged).
# Expect blurry predictions: this checks that the whole pipeline learns; the
# numbers are not comparable with published ones.
#
# To change the length, edit max_iters below (the curriculum follows it;
# adjust val_interval, which also sets the checkpoint interval);
# --cfg-options train_cfg.max_iters=N does not rescale the curriculum.
#
#   python tools/train.py configs/mmnist/predrnnv2_cpu_quick.py
_base_ = ['./predrnnv2.py']

in_frames, out_frames = 10, 10
image_size, digit_size = 32, 14  # divisible by the patch size 4
max_iters = 1500
val_interval = 500

model = dict(
    in_frames=in_frames,
    out_frames=out_frames,
    backbone=dict(num_layers=2, num_hidden=32, kernel_size=3),
    reverse_input=False,
    sampling=dict(
        type='ReverseScheduledSampling', s1=int(0.3 * max_iters),
        s2=int(0.6 * max_iters), alpha=0.03 * max_iters),
    data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=4))

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    dataset=dict(
        in_frames=in_frames, out_frames=out_frames, image_size=image_size,
        digit_size=digit_size))
val_dataloader = dict(
    batch_size=16,
    num_workers=1,
    dataset=dict(
        in_frames=in_frames, out_frames=out_frames, image_size=image_size,
        digit_size=digit_size, num_clips=200, test_file=None))
test_dataloader = val_dataloader
# our metric only (the authors' convention of predrnnv2.py is for comparing
# with the paper, which this small model is not; the times above are
# measured with one metric)
val_evaluator = [dict(type='VideoPredictionMetric', return_per_step=False)]
test_evaluator = [dict(type='VideoPredictionMetric', return_per_step=True)]

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=val_interval, max_keep_ckpts=2))
