# Moving MNIST: 64x64, 2 digits, 10 -> 10 frames.
# Train clips are generated on the fly (10000 per pass) from the MNIST
# training digits; val/test is the standard mnist_test_seq.npy when present.
# Without data files, an embedded stand-in for handwritten digits is used
# (a warning says so); get the real files with
#   python tools/prepare_data.py mmnist --data-root data
dataset_type = 'MovingMNIST'
data_root = 'data/moving_mnist'

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    # yields (pass, index): clip i of pass e is a pure function of
    # (seed, e, i), identical for any number of workers and after resume
    sampler=dict(type='InfiniteEpochIndexSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type, data_root=data_root, split='train', in_frames=10,
        out_frames=10, num_clips=10000))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type, data_root=data_root, split='test', in_frames=10,
        out_frames=10))
test_dataloader = val_dataloader

# per-timestep curves only at test time (they make validation logs long)
val_evaluator = dict(type='VideoPredictionMetric', return_per_step=False)
test_evaluator = dict(type='VideoPredictionMetric', return_per_step=True)
