"""Registries of the ``predrnn`` plugin.

Every registry is a child of mmengine's root registry of the same name, with
an explicit ``scope='predrnn'`` (never inferred from the ``plugin/`` folder)
and ``locations`` that mmengine imports on demand. A config with
``default_scope='predrnn'`` therefore builds every component by its bare name,
and a config in any other scope can name ``type='predrnn.PredRNNv2'`` after
``custom_imports=dict(imports=['predrnn'])``.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = 'predrnn'

#######################################################################
#                          predrnn.models                             #
#######################################################################

# Cells, networks, BaseModel wrappers, data preprocessors and curricula.
MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope=SCOPE, locations=['predrnn.models'])
# Model wrappers (DDP and friends); mmengine's are used as they are.
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope=SCOPE,
    locations=['predrnn.models'])
# Weight initialisers.
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, scope=SCOPE,
    locations=['predrnn.models'])

#######################################################################
#                          predrnn.datasets                           #
#######################################################################

# Datasets (Moving MNIST and its variants).
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope=SCOPE,
    locations=['predrnn.datasets'])
# Data transforms (none needed by the shipped datasets; kept for users).
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope=SCOPE,
    locations=['predrnn.datasets'])
# Samplers of dataloaders.
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope=SCOPE,
    locations=['predrnn.datasets'])

#######################################################################
#                          predrnn.evaluation                         #
#######################################################################

# Metrics (MSE, MAE, PSNR, SSIM per frame and per timestep).
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope=SCOPE,
    locations=['predrnn.evaluation'])
# Evaluators.
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR, scope=SCOPE,
    locations=['predrnn.evaluation'])

#######################################################################
#                          predrnn.engine                             #
#######################################################################

# Hooks (curriculum, visualisation, non-finite loss guard).
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope=SCOPE,
    locations=['predrnn.engine', 'predrnn.visualization'])
# Training, validation and test loops.
LOOPS = Registry(
    'loop', parent=MMENGINE_LOOPS, scope=SCOPE, locations=['predrnn.engine'])
# Optimizers, timm's included.
OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS, scope=SCOPE,
    locations=['predrnn.engine'])
# Optimizer wrappers (CPU bf16 autocast among them).
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope=SCOPE,
    locations=['predrnn.engine'])
# Optimizer wrapper constructors.
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    scope=SCOPE, locations=['predrnn.engine'])
# Learning-rate and momentum schedulers.
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope=SCOPE,
    locations=['predrnn.engine'])
# Log processors.
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMENGINE_LOG_PROCESSORS, scope=SCOPE,
    locations=['predrnn.engine'])

#######################################################################
#                          predrnn.visualization                      #
#######################################################################

# Visualizers (image strips and GIFs of predictions).
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope=SCOPE,
    locations=['predrnn.visualization'])
# Visualisation backends (local, TensorBoard).
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, scope=SCOPE,
    locations=['predrnn.visualization'])
