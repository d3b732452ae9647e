# The authors' schedule: Adam, constant lr 1e-4, 80000 iterations,
# validation every 5000 (the authors' test_interval).
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
