# predrnnv2_action_mmnist.py with the additive fusion: the tiled command is
# concatenated to every ST-LSTM layer's input instead of gating the hidden
# path (users report the authors' multiplicative gate can hurt on their
# data). Same data, size, curriculum and iterations. What it shows: the
# two fusions side by side on the same small problem.
# Time: as predrnnv2_action_mmnist.py, 12 minutes measured on the shared
# 2-core CPU (BENCHMARKS.md, "Conditioned forecasts"). Expect val 'mse'
# about 10 (one seed: on par with the multiplicative fusion's 11; both
# measured on the previous, OpenCV-font stand-in digits, not re-measured on
# the current ones).
#
#   python tools/train.py configs/action/predrnnv2_action_additive_mmnist.py
_base_ = ['./predrnnv2_action_mmnist.py']

model = dict(backbone=dict(fusion='additive'))
