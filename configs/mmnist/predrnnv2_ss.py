# Ablation (TPAMI 2022, Table 6): PredRNN-V2 trained with classic scheduled
# sampling instead of reverse scheduled sampling. Otherwise the authors'
# recipe. Time: as predrnnv2.py.
_base_ = ['./predrnnv2.py']
model = dict(
    sampling=dict(
        _delete_=True, type='ScheduledSampling', rate=2e-5, stop_iter=50000))
