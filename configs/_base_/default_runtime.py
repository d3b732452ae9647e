# Runtime shared by every config: scope, hooks, logging, checkpoints.
default_scope = 'predrnn'
custom_imports = dict(imports=['predrnn'], allow_failed_imports=False)

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to 'gloo' on machines without CUDA
    dist_cfg=dict(backend='nccl'))
# mmengine's DDP wrapper, but also valid on CPU (gloo)
model_wrapper_cfg = dict(
    type='DeviceAgnosticDistributedDataParallel', broadcast_buffers=False,
    find_unused_parameters=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keeps latest checkpoints and the best one by validation MSE
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=5000,
        max_keep_ckpts=3, save_best='mse', rule='less'),
    sampler_seed=dict(type='DistSamplerSeedHook'))

visualizer = dict(
    type='VideoVisualizer', vis_backends=[dict(type='LocalVisBackend')])
log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=42, deterministic=False)
