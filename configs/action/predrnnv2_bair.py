# Action-conditioned PredRNN-V2 on BAIR robot pushing, the authors' model
# (TPAMI 2022, Sec. 5.4).
#
# Data: BAIR is not downloaded by this project. Download softmotion30_44k
# (TFRecords, see docs/en/datasets.md) and convert it once:
#   python tools/dataset_converters/bair_to_array.py \
#       data/bair/softmotion30_44k data/bair
# which writes data/bair/{train,test}.npy (frames, uint8 NTHWC, 64x64 RGB of
# image_aux1, as the authors' handler reads) and {train,test}.actions.npy
# (N, T, 4). ConditionedSequenceDataset cuts windows of 12 frames at every
# start, as the authors' handler does, and checks that frames and actions
# agree in clips and length.
#
# What it shows: the authors' recipe as the paper gives it: RGB 64x64, patch
# 1, 2 observed -> 10 predicted frames in training, 4 x 128 hidden, kernel 5,
# the stride-2 frame and action encoders with the transposed-convolution
# decoder and skips (conv_on_input, res_on_conv), multiplicative action
# fusion (conv_a, cell biases), decoupling loss (beta 0.1) and reverse
# scheduled sampling (25000, 50000, 2500), Adam 1e-4, 80000 iterations.
# Batch 16 is our choice (the paper does not give one). Converted authors'
# checkpoints load into this model: tools/convert_checkpoint.py SRC DST
# --config configs/action/predrnnv2_bair.py.
#
# Time: a GPU recipe; no BAIR data or GPU here, so no full run was timed.
# 33,556,096 parameters, 94.6 GMACs (fvcore) per 12-frame clip. One
# training forward + backward at batch 2 took 20 s on one thread of the
# shared 2-core CPU of BENCHMARKS.md (at nice 19): minutes per iteration
# at batch 16, so 80000 iterations need a GPU.
#
#   python tools/train.py configs/action/predrnnv2_bair.py
_base_ = ['../_base_/default_runtime.py']

in_frames, out_frames = 2, 10
data_root = 'data/bair'
bair = dict(
    type='ConditionedSequenceDataset', data_root=data_root, layout='NTHWC',
    conditions='actions', split='all', split_by=None,
    in_frames=in_frames, out_frames=out_frames, patch_size=1)

model = dict(
    type='PredRNNv2',
    in_frames=in_frames,
    out_frames=out_frames,
    frame_channels=3,
    backbone=dict(
        type='ActionPredRNNNet',
        condition_channels=4,
        fusion='multiplicative',
        conv_on_input=True,
        res_on_conv=True,
        cell_bias=True,
        num_layers=4,
        num_hidden=128,
        kernel_size=5,
        layer_norm=False),
    beta=0.1,
    sampling=dict(
        type='ReverseScheduledSampling', s1=25000, s2=50000, alpha=2500),
    data_preprocessor=dict(
        type='ConditionedVideoDataPreprocessor', patch_size=1))

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(bair, source='train.npy'))
val_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(bair, source='test.npy'))
test_dataloader = val_dataloader
val_evaluator = dict(type='VideoPredictionMetric', return_per_step=False)
test_evaluator = dict(type='VideoPredictionMetric', return_per_step=True)

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
