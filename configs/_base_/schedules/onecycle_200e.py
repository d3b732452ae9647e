# OpenSTL's schedule: Adam lr 5e-4, OneCycle stepped every iteration,
# 200 epochs, validation every 10 epochs.
max_epochs = 200
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=5e-4))
param_scheduler = [
    dict(type='OneCycleLR', eta_max=5e-4, total_steps=max_epochs,
         pct_start=0.3, final_div_factor=1e4, by_epoch=True,
         convert_to_iter_based=True)
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
