# The unconditioned twin of predrnnv2_action_mmnist.py: the same data,
# network size (2 ST-LSTM layers of 32, 3x3 kernels, 4x4 patches),
# curriculum, optimiser and iterations, but plain PredRNN-V2, which never
# sees the commands (the conditions in the batches are ignored by
# VideoDataPreprocessor). What it shows: how much of the controllable
# digits' future can be forecast from the observed frames alone.
# Time: as predrnnv2_action_mmnist.py (58 s end to end on 2 shared cores of
# an Intel Xeon with OMP_NUM_THREADS=1, 2026-12-04). Expect val 'mse' about
# 16.4 (conditioned: about 12.6; copy-last-frame: 26.2; README "Conditioned
# forecasts").
#
#   python tools/train.py configs/action/predrnnv2_uncond_mmnist.py
_base_ = ['./predrnnv2_action_mmnist.py']

model = dict(
    _delete_=True,
    type='PredRNNv2',
    in_frames={{_base_.in_frames}},
    out_frames={{_base_.out_frames}},
    frame_channels=1,
    backbone=dict(type='PredRNNNet', num_layers=2, num_hidden=32,
                  kernel_size=3),
    beta=0.1,
    sampling={{_base_.model.sampling}},
    data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=4))
