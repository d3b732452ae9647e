"""tools/convert_checkpoint.py on the authors' action-conditioned (BAIR)
checkpoints: a checkpoint in their layout, written here from the shapes of
docs/en/model.md (biases included), converts into weights whose predictions
equal
the independent docs/en/model.md reference rollout on the same tensors."""
import importlib.util
import os.path as osp
import sys

import pytest
import torch

from predrnn.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tests', 'models'))
from _action_reference import ref_action_rollout  # noqa: E402
from _spec_reference import ref_patch  # noqa: E402

T_IN, T_OUT, C, A, CH, K, H, W = 2, 3, 3, 4, 8, 3, 16, 12


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        'convert_checkpoint_action', osp.join(ROOT, 'tools',
                                              'convert_checkpoint.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def authors_state(layers=2, conv_on_input=True, seed=0):
    """The authors' ``net_param`` by docs/en/model.md names and shapes (p =
    1)."""
    gen = torch.Generator().manual_seed(seed)

    def t(*shape):
        return 0.2 * torch.randn(*shape, generator=gen)

    sd = {}
    first = CH if conv_on_input else C
    cond = CH if conv_on_input else A
    for layer in range(layers):
        cin = first if layer == 0 else CH
        for name, cout, cin_ in (('conv_x', 7 * CH, cin),
                                 ('conv_h', 4 * CH, CH),
                                 ('conv_a', 4 * CH, cond),
                                 ('conv_m', 3 * CH, CH),
                                 ('conv_o', CH, 2 * CH)):
            sd[f'cell_list.{layer}.{name}.0.weight'] = t(cout, cin_, K, K)
            sd[f'cell_list.{layer}.{name}.0.bias'] = t(cout)
        sd[f'cell_list.{layer}.conv_last.weight'] = t(CH, 2 * CH, 1, 1)
        sd[f'cell_list.{layer}.conv_last.bias'] = t(CH)
    if conv_on_input:
        sd['conv_input1.weight'] = t(CH // 2, C, K, K)
        sd['conv_input2.weight'] = t(CH, CH // 2, K, K)
        sd['action_conv_input1.weight'] = t(CH // 2, A, K, K)
        sd['action_conv_input2.weight'] = t(CH, CH // 2, K, K)
        # ConvTranspose2d weights are (in, out, k, k)
        sd['deconv_output1.weight'] = t(CH, CH // 2, K, K)
        sd['deconv_output2.weight'] = t(CH // 2, C, K, K)
    else:
        sd['conv_last.weight'] = t(C, CH, 1, 1)
    sd['adapter.weight'] = t(CH, CH, 1, 1)
    return sd


def write_config(path, conv_on_input=True, condition_channels=A):
    path.write_text(
        "model = dict(type='ActionCondPredRNNv2', "
        f"condition_channels={condition_channels}, in_frames={T_IN}, "
        f"out_frames={T_OUT}, frame_channels={C}, num_layers=2, "
        f"num_hidden={CH}, kernel_size={K}, conv_on_input={conv_on_input}, "
        f"res_on_conv={conv_on_input}, data_preprocessor=dict("
        "type='ConditionedVideoDataPreprocessor', patch_size=1))\n")
    return str(path)


def run_tool(*args):
    try:
        tool.main([str(a) for a in args])
    except SystemExit as e:
        return str(e.code)
    return ''


@pytest.mark.parametrize('conv_on_input', [True, False])
def test_authors_action_checkpoint_gives_reference_predictions(
        tmp_path, conv_on_input):
    sd = authors_state(conv_on_input=conv_on_input)
    src, dst = tmp_path / 'model.ckpt-80000', tmp_path / 'converted.pth'
    torch.save({'net_param': sd}, src)
    cfg = write_config(tmp_path / 'cfg.py', conv_on_input)
    assert run_tool(src, dst, '--config', cfg) == ''
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    hp = ckpt['meta']['hyperparams']
    assert (hp['condition_channels'], hp['in_channels'], hp['num_hidden'],
            hp['conv_on_input'], hp['cell_bias']) == (A, C, CH, conv_on_input,
                                                     True)

    from mmengine.config import Config
    model = MODELS.build(Config.fromfile(cfg).model)
    model.load_state_dict(ckpt['state_dict'], strict=True)
    gen = torch.Generator().manual_seed(3)
    clips = torch.rand(2, T_IN + T_OUT, C, H, W, generator=gen)
    actions = torch.randn(2, T_IN + T_OUT, A, generator=gen)
    data = model.data_preprocessor(dict(inputs=clips, conditions=actions))
    with torch.no_grad():
        ours = torch.stack([r['pred'] for r in model(**data,
                                                     mode='predict')])
    mask = torch.zeros(2, T_IN + T_OUT - 1)
    mask[:, :T_IN] = 1
    ref, _ = ref_action_rollout(sd, ref_patch(clips, 1), actions, mask, 2,
                                conv_on_input, conv_on_input)
    torch.testing.assert_close(ours, ref[:, T_IN - 1:], atol=1e-5, rtol=1e-4)


def test_missing_bias_is_named(tmp_path):
    sd = authors_state()
    del sd['cell_list.1.conv_a.0.bias']
    src = tmp_path / 'model.ckpt-1'
    torch.save({'net_param': sd}, src)
    err = run_tool(src, tmp_path / 'out.pth')
    assert 'cell_list.1.conv_a.0.bias' in err and 'missing' in err
    assert not (tmp_path / 'out.pth').exists()


def test_condition_width_mismatch_with_config_is_named(tmp_path):
    src = tmp_path / 'model.ckpt-1'
    torch.save({'net_param': authors_state()}, src)
    cfg = write_config(tmp_path / 'cfg.py', condition_channels=A + 2)
    err = run_tool(src, tmp_path / 'out.pth', '--config', cfg)
    assert 'action_conv_input1.weight' in err
    assert not (tmp_path / 'out.pth').exists()


def test_unconditioned_checkpoints_still_take_the_old_path(tmp_path):
    from predrnn.models.utils.action_checkpoints import (
        convert_any_reference_state, is_action_state)
    model = MODELS.build(dict(
        type='PredRNNv2', in_frames=2, out_frames=2, num_layers=1,
        num_hidden=4, kernel_size=3,
        data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=1)))
    state = {k[len('net.'):]: v for k, v in model.state_dict().items()
             if k.startswith('net.')}
    assert not is_action_state(state)
    _, hp, out = convert_any_reference_state({'net_param': state})
    assert not hasattr(hp, 'condition_channels')
    assert set(out) == {f'net.{k}' for k in state}
