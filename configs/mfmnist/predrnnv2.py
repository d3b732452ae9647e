# PredRNN-V2 on Moving Fashion-MNIST: the Moving MNIST dynamics with
# Fashion-MNIST images. Get them (train-images-idx3-ubyte.gz for training,
# t10k-images-idx3-ubyte.gz for the test set) into data/moving_fmnist with
#   python tools/prepare_data.py mfmnist --data-root data
# There is no standard fixed test file (test_file=None): the test set is
# generated once from the Fashion-MNIST test images with a fixed seed and
# cached in data/moving_fmnist. Same recipe (two optimizer steps per
# iteration, on the clips and on their time reversals), evaluation (ours and
# the authors' convention under 'authors/') and time as
# configs/mmnist/predrnnv2.py. Work dir: work_dirs/mfmnist/predrnnv2.
_base_ = ['../mmnist/predrnnv2.py']
data_root = 'data/moving_fmnist'
train_dataloader = dict(dataset=dict(data_root=data_root, test_file=None))
val_dataloader = dict(dataset=dict(data_root=data_root, test_file=None))
test_dataloader = val_dataloader
