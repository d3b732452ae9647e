"""Action-conditioned PredRNN-V2 (Wang et al., TPAMI 2022, Sec. 5.4):
:class:`PredRNNv2` on an :class:`~predrnn.models.networks.ActionPredRNNNet`
backbone, under the name and flat arguments of older configs.

The conditions are any ``A`` numbers per frame: a robot's actions (BAIR),
velocity commands, a one-hot developmental stage, a time stamp.
``conditions[:, t]`` acts between frames ``t`` and ``t + 1``; rolling out
with other future conditions gives "what if" forecasts.
"""
from typing import Any, Optional, Union

from predrnn.registry import MODELS
from .predrnn import backbone_config
from .predrnn_v2 import PredRNNv2


@MODELS.register_module()
class ActionCondPredRNNv2(PredRNNv2):
    """PredRNN-V2 conditioned on a per-frame vector; the same as
    ``PredRNNv2(backbone=dict(type='ActionPredRNNNet', ...),
    data_preprocessor=dict(type='ConditionedVideoDataPreprocessor'))``.

    Args:
        condition_channels, fusion, conv_on_input, res_on_conv, cell_bias:
            flat backbone arguments (see :class:`ActionPredRNNNet`), merged
            into ``backbone``.
        backbone (dict, optional): Defaults to ``dict(type=
            'ActionPredRNNNet')``.
        data_preprocessor (dict): Defaults to
            ``ConditionedVideoDataPreprocessor(patch_size=4)``.
        **kwargs: the other arguments of :class:`PredRNNv2`.
    """

    default_backbone = 'ActionPredRNNNet'

    def __init__(self,
                 condition_channels: Optional[int] = None,
                 fusion: Optional[str] = None,
                 conv_on_input: Optional[bool] = None,
                 res_on_conv: Optional[bool] = None,
                 cell_bias: Optional[bool] = None,
                 backbone: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, Any]] = None,
                 **kwargs) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ConditionedVideoDataPreprocessor',
                                     patch_size=4)
        backbone = backbone_config(
            backbone, self.default_backbone,
            condition_channels=condition_channels, fusion=fusion,
            conv_on_input=conv_on_input, res_on_conv=res_on_conv,
            cell_bias=cell_bias)
        super().__init__(backbone=backbone,
                         data_preprocessor=data_preprocessor, **kwargs)
