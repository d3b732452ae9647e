# PredRNN (v1, NeurIPS 2017) on Moving MNIST: the same 4x128 ST-LSTM without
# memory decoupling, classic scheduled sampling (eta 1 -> 0 at 2e-5 per
# iteration, stop at 50000), Adam 1e-4, batch 8, 80000 iterations (the
# optimisation of the V2 recipe, two optimizer steps per iteration on the
# clips and their time reversals included, so the two versions compare
# directly).
# Time: as predrnnv2.py.
_base_ = ['./predrnnv2.py']
model = dict(
    type='PredRNN',
    _delete_=True,
    in_frames=10, out_frames=10, frame_channels=1,
    backbone=dict(type='PredRNNNet', num_layers=4, num_hidden=128,
                  kernel_size=5, layer_norm=False),
    reverse_input='two_steps',
    sampling=dict(type='ScheduledSampling', rate=2e-5, stop_iter=50000),
    data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=4))
