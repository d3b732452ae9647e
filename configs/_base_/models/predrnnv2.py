# PredRNN-V2, Moving MNIST paper configuration (TPAMI 2022, Sec. 5.1):
# 4 ST-LSTM layers of 128 channels, 5x5 kernels, 4x4 patches, no layer
# norm, decoupling weight 0.1, reverse scheduled sampling (25k, 50k, 2500).
# 23,855,104 parameters; 116.6 GFLOPs (MACs) per 10 -> 10 clip at 64x64.
model = dict(
    type='PredRNNv2',
    in_frames=10,
    out_frames=10,
    frame_channels=1,
    backbone=dict(
        type='PredRNNNet', num_layers=4, num_hidden=128, kernel_size=5,
        layer_norm=False),
    beta=0.1,
    sampling=dict(
        type='ReverseScheduledSampling', s1=25000, s2=50000, alpha=2500),
    reverse_input=False,
    data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=4))
