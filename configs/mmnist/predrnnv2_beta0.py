# Ablation (TPAMI 2022, Table 6): PredRNN-V2 without the decoupling loss
# (beta = 0; the cosine is still logged as decouple_cos). Otherwise the
# authors' recipe. Time: as predrnnv2.py.
_base_ = ['./predrnnv2.py']
model = dict(beta=0.0)
