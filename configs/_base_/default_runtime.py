# Runtime shared by every config: scope, hooks, logging, checkpoints.
default_scope = 'predrnn'
custom_imports = dict(imports=['predrnn'], allow_failed_imports=False)

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to 'gloo' on machines without CUDA
    dist_cfg=dict(backend='nccl'))
# mmengine's DDP wrapper, but also valid on CPU (gloo). The scope prefix is
# needed: Runner.wrap_model looks the type up with MODEL_WRAPPERS.get() in
# mmengine's root registry, which ignores the default scope.
model_wrapper_cfg = dict(
    type='predrnn.DeviceAgnosticDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    # mmengine's LoggerHook, also logging each of the first 10 iterations
    # (time per iteration and ETA from the start of a long run); no
    # first_iters here, so that a config's type='LoggerHook' stays valid
    logger=dict(type='ProgressLoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keeps latest checkpoints and the best one by validation MSE; written
    # to a temporary file and renamed when complete (a full disk never
    # leaves a truncated iter_N.pth), see predrnn.engine.AtomicLocalBackend
    # (mmengine's CheckpointHook, except that a NaN/Inf validation score is
    # never saved as the best)
    checkpoint=dict(
        type='FiniteBestCheckpointHook', by_epoch=False, interval=5000,
        max_keep_ckpts=3, save_best='mse', rule='less',
        backend_args=dict(backend='predrnn_atomic_local')),
    # reads load_from / the checkpoint to resume with the plugin's loader
    # before mmengine does: clear errors for directories, text files,
    # truncated, malicious or NaN/Inf checkpoints (prefixed: found whatever
    # the default scope)
    checkpoint_check=dict(type='predrnn.CheckpointCheckHook'),
    # the checkpoint's training frame size against the test set's: a
    # warning when they differ, an error for layer-norm models
    frame_size_check=dict(type='predrnn.FrameSizeCheckHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # random numbers of iteration i depend only on (seed, i, rank), a clip's
    # curriculum mask on (seed, i, its position in the global batch): a
    # resumed run repeats the uninterrupted one exactly, and N processes of
    # batch B train like 1 process of batch N*B
    iteration_seed=dict(type='IterationSeedHook'),
    # one warning when a finite loss explodes (NaN/Inf stop the run)
    loss_divergence=dict(type='LossDivergenceHook'))

visualizer = dict(
    type='VideoVisualizer', vis_backends=[dict(type='LocalVisBackend')])
log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=42, deterministic=False)
