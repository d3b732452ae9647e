"""The compiled recurrence (``compile=True``) against eager execution.

One tiny network is compiled once for the whole module (inductor, the CPU
C++ backend) and checked against an eager copy with the same weights:
predictions (the first step with all-zero states included), decoupling loss
and gradients equal within float32 round-off, with and without activation
checkpointing, and no recompilation across steps, iterations or validation
(``error_on_recompile`` stays on for the whole module and the number of
compiled graphs is counted).
"""
import copy
import pickle
import re

import pytest
import torch
from torch._dynamo.utils import counters

from predrnn.models.networks.predrnn_net import PredRNNNet
from predrnn.models.networks.step_compiler import StepCompiler
from predrnn.registry import MODELS

# 2 layers of 4 channels, kernel 3, on 8-channel 4 x 6 patched frames
CIN, CH, LAYERS, K = 8, 4, 2, 3
B, T, HP, WP = 2, 5, 4, 6
# float32 round-off: torch.testing's float32 defaults
TOL = dict(rtol=1.3e-6, atol=1e-5)


def _assert_close(actual, expected, msg=None):
    """float32 round-off relative to the tensor's scale (its largest
    element): the conv_o weight gradients of this model are ~2e-4, so TOL's
    fixed atol would let a 5% error through; compiled and eager differ by
    ~2e-7 of the scale, 50x below this atol."""
    torch.testing.assert_close(
        actual, expected, rtol=1.3e-6,
        atol=1e-5 * float(expected.abs().max()), msg=msg)


@pytest.fixture(scope='module', autouse=True)
def strict_dynamo():
    """Any recompilation in this module is an error; the counters start at
    zero. FX-graph and AOT caches off, so that kernel counts do not depend
    on earlier runs (compiled C++ kernels are still reused from disk)."""
    import torch._functorch.config as functorch_config
    import torch._inductor.config as inductor_config
    torch._dynamo.reset()
    counters.clear()
    with torch._dynamo.config.patch(error_on_recompile=True), \
            inductor_config.patch(fx_graph_cache=False), \
            functorch_config.patch(enable_autograd_cache=False):
        yield
    torch._dynamo.reset()


def _net(compile=False):
    torch.manual_seed(0)
    return PredRNNNet(CIN, CH, LAYERS, K, decouple=True, compile=compile)


@pytest.fixture(scope='module')
def nets():
    """(eager, compiled) with the same weights."""
    return _net(), _net(compile=True)


def _clip(seed):
    gen = torch.Generator().manual_seed(seed)
    frames = torch.rand(B, T, CIN, HP, WP, generator=gen)
    mask = torch.randint(0, 2, (B, T - 1), generator=gen).float()
    mask[:, 1] = torch.tensor([0., 1.])  # both kinds of input at step 1
    return frames, mask


def _train_iteration(net, frames, mask):
    """Predictions, decoupling loss and gradients of one training pass."""
    net.zero_grad()
    preds, cos = net(frames, mask, return_decouple_loss=True)
    (((preds - frames[:, 1:])**2).mean() + 0.1 * cos).backward()
    return preds.detach(), cos.detach(), {
        n: p.grad.clone() for n, p in net.named_parameters()}


def _assert_same_training(eager, compiled, seed):
    frames, mask = _clip(seed)
    p_e, cos_e, grads_e = _train_iteration(eager, frames, mask)
    p_c, cos_c, grads_c = _train_iteration(compiled, frames, mask)
    # the first step (all-zero states, its own compiled function) on its own
    _assert_close(p_c[:, 0], p_e[:, 0])
    _assert_close(p_c, p_e)
    _assert_close(cos_c, cos_e)
    assert grads_c.keys() == grads_e.keys()
    for name in grads_e:
        assert grads_e[name].abs().sum() > 0, name
        _assert_close(grads_c[name], grads_e[name], msg=name)


def _variants(net):
    """Names of the compiled step functions, e.g. '_first_step'."""
    return sorted(key[0].split('.')[-1] for key in net.step_compiler._compiled)


def test_training_matches_eager_with_one_graph_per_step_kind(nets):
    eager, compiled = nets
    for iteration in range(2):  # the second reuses both graphs
        _assert_same_training(eager, compiled, seed=iteration)
    assert _variants(compiled) == ['_first_step', '_next_step']
    assert counters['stats']['unique_graphs'] == 2
    assert not counters['graph_break']


def test_activation_checkpointing_matches_eager_one_graph_per_step_kind(nets):
    """The checkpoint sits inside each compiled step (a checkpoint around a
    compiled step replays its forward CUDA graph inside the backward pass,
    which CUDA graph trees refuse): one graph per checkpointed step kind,
    reused by the next iteration."""
    eager, compiled = nets
    compiled.activation_checkpointing = True
    try:
        for iteration in range(2):
            _assert_same_training(eager, compiled, seed=3 + iteration)
    finally:
        compiled.activation_checkpointing = False
    checkpointed = [v for v in _variants(compiled) if 'checkpointed' in v]
    assert checkpointed == ['_first_step_checkpointed',
                            '_next_step_checkpointed']


def test_checkpointing_stores_less_when_compiled(nets):
    """Tensors autograd keeps outside the checkpointed steps: only the
    states between steps (counted through saved-tensor hooks)."""
    _, compiled = nets
    frames, mask = _clip(4)

    def saved_bytes(checkpointed):
        compiled.activation_checkpointing = checkpointed
        seen = {}

        def pack(t):
            seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            return t

        try:
            with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
                compiled(frames, mask, return_decouple_loss=True)
        finally:
            compiled.activation_checkpointing = False
        return sum(seen.values())

    assert 0 < saved_bytes(True) < 0.5 * saved_bytes(False)


def test_inference_matches_eager_and_nothing_recompiles(nets, monkeypatch):
    """Validation compiles its own two step kinds once; training after it
    and a second validation reuse every graph."""
    from torch._inductor.graph import GraphLowering
    code = []  # what inductor generates (as its run_and_get_code records)
    monkeypatch.setattr(GraphLowering, 'save_output_code', code.append)
    eager, compiled = nets
    graphs_before = counters['stats']['unique_graphs']
    variants_before = len(compiled.step_compiler._compiled)
    frames, _ = _clip(5)
    mask = torch.ones(B, T - 1)
    mask[:, 3:] = 0  # 3 observed frames, then the model's own outputs
    for iteration in range(2):
        with torch.no_grad():
            p_e, loss_e = eager(frames, mask)
            p_c, loss_c = compiled(frames, mask)
        assert loss_e is None and loss_c is None
        _assert_close(p_c, p_e)
        _assert_same_training(eager, compiled, seed=6)
    # two new graphs (the no-grad step kinds); training reuses its own
    assert counters['stats']['unique_graphs'] == graphs_before + 2
    assert len(compiled.step_compiler._compiled) == variants_before + 2
    # The gate arithmetic is fused: besides the convolutions, each of the
    # two inference graphs launches a few generated kernels per layer
    # (layout copies included), where eager runs ~25 pointwise operations
    # per cell.
    assert len(code) == 2
    launches = [len(re.findall(r'^\s+cpp_fused_\w+\(', source, re.M))
                for source in code]
    assert all(0 < n <= 6 * LAYERS for n in launches), launches


def test_copies_compile_their_own_steps(nets):
    """deepcopy (EMA) and pickling keep the setting, not the compiled
    functions."""
    _, compiled = nets
    assert compiled.step_compiler._compiled
    for clone in (copy.deepcopy(compiled),
                  pickle.loads(pickle.dumps(compiled))):
        assert clone.step_compiler.enabled
        assert clone.step_compiler._compiled == {}
        torch.testing.assert_close(clone.state_dict(), compiled.state_dict())


def test_compile_options():
    assert StepCompiler(False).enabled is False
    # no graph breaks (hence no host synchronisation inside a step) and
    # kernels specialised to the shapes unless the user says otherwise
    assert StepCompiler(True).options == dict(fullgraph=True, dynamic=False)
    # the CPU keeps the network's memory format (see device_options)
    assert StepCompiler(True).device_options('cpu')['options'] == dict(
        layout_optimization=False)
    assert 'options' not in StepCompiler(True).device_options('cuda')
    assert 'options' not in StepCompiler(
        dict(backend='aot_eager')).device_options('cpu')
    graphs = StepCompiler(dict(mode='reduce-overhead'))
    assert 'options' not in graphs.device_options('cpu')
    assert graphs.options['mode'] == 'reduce-overhead'
    assert graphs.uses_cuda_graphs and not StepCompiler(True).uses_cuda_graphs
    assert StepCompiler(dict(
        options={'triton.cudagraphs': True})).uses_cuda_graphs
    assert not StepCompiler(dict(
        mode='max-autotune-no-cudagraphs')).uses_cuda_graphs
    with pytest.raises(TypeError, match='reduce-overhead'):
        StepCompiler('yes')
    # a misspelt argument is refused when the model is built
    with pytest.raises(TypeError, match=r"\['mod'\] are not torch.compile"):
        PredRNNNet(CIN, CH, LAYERS, K, compile=dict(mod='reduce-overhead'))


def test_cuda_graph_steps_are_marked_per_rollout_on_cuda_only(monkeypatch):
    marks = []
    monkeypatch.setattr(torch.compiler, 'cudagraph_mark_step_begin',
                        lambda: marks.append(1))
    StepCompiler(dict(mode='reduce-overhead')).begin_rollout(
        torch.device('cuda'))
    assert marks == [1]
    StepCompiler(dict(mode='reduce-overhead')).begin_rollout(
        torch.device('cpu'))
    StepCompiler(True).begin_rollout(torch.device('cuda'))
    assert marks == [1]


def test_eager_while_tracing(monkeypatch):
    """FLOP counting traces with torch.jit: the step runs eagerly."""
    compiler = StepCompiler(True)
    monkeypatch.setattr(torch.jit, 'is_tracing', lambda: True)
    assert compiler(PredRNNNet._first_step, False) is PredRNNNet._first_step
    assert compiler._compiled == {}


def test_model_compile_setting_trains_and_validates_without_recompiles():
    """``model.compile`` reaches the network; train and val steps of the
    predictor (curriculum masks, losses, optim wrapper) run through dynamo
    without a recompile (the ``eager`` backend: tracing only, fast)."""
    from mmengine.optim import OptimWrapper
    torch._dynamo.reset()
    counters.clear()
    cfg = dict(type='PredRNNv2', in_frames=3, out_frames=2, num_layers=2,
               num_hidden=4, kernel_size=3,
               data_preprocessor=dict(type='VideoDataPreprocessor',
                                      patch_size=4))
    torch.manual_seed(0)
    eager = MODELS.build(cfg)
    torch.manual_seed(0)
    model = MODELS.build(dict(cfg, compile=dict(backend='eager')))
    assert model.net.step_compiler.options['backend'] == 'eager'
    clips = torch.randint(0, 256, (B, T, 1, 16, 16), dtype=torch.uint8,
                          generator=torch.Generator().manual_seed(0))
    for iteration in range(2):
        losses = []
        for net in (eager, model):
            torch.manual_seed(iteration)  # the same curriculum mask
            wrapper = OptimWrapper(torch.optim.SGD(net.parameters(), lr=0))
            losses.append(net.train_step(dict(inputs=clips), wrapper))
        for key in losses[0]:
            torch.testing.assert_close(losses[1][key], losses[0][key], **TOL)
        preds = [torch.stack([out['pred'] for out in net.val_step(
            dict(inputs=clips))]) for net in (eager, model)]
        torch.testing.assert_close(preds[1], preds[0], **TOL)
    assert counters['stats']['unique_graphs'] == 4


def test_autocast_is_its_own_variant_without_recompiles():
    """bf16 autocast training next to fp32 validation: each state compiles
    its own graphs once (``aot_eager``: dynamo and AOT autograd as for
    inductor, without its code generation), and the bf16 results are those
    of eager autocast."""
    torch._dynamo.reset()
    counters.clear()
    eager = _net()
    compiled = _net(compile=dict(backend='aot_eager'))
    frames, mask = _clip(7)
    for _ in range(2):
        outs = []
        for net in (eager, compiled):
            with torch.autocast('cpu', dtype=torch.bfloat16):
                outs.append(_train_iteration(net, frames, mask))
        (p_e, cos_e, grads_e), (p_c, cos_c, grads_c) = outs
        assert p_c.dtype == p_e.dtype == torch.bfloat16
        torch.testing.assert_close(p_c, p_e, rtol=0, atol=0)
        torch.testing.assert_close(cos_c, cos_e, rtol=0, atol=0)
        for name in grads_e:  # bf16 round-off: within one bf16 ulp
            # (2**-7) of the largest gradient element; the backward pass
            # may order its bf16 operations differently
            error = (grads_c[name] - grads_e[name]).abs().max()
            assert error <= 2**-7 * grads_e[name].abs().max(), name
        with torch.no_grad():
            torch.testing.assert_close(compiled(frames, mask)[0],
                                       eager(frames, mask)[0], **TOL)
    assert counters['stats']['unique_graphs'] == 4


def test_grad_mode_alone_selects_a_variant():
    """A v1 network (no decoupling loss) trains and validates with the same
    Python arguments: only grad mode differs, and it must still give each
    its own compiled function rather than a recompile (``eager`` backend:
    dynamo's guards without code generation)."""
    torch._dynamo.reset()
    counters.clear()
    torch.manual_seed(0)
    net = PredRNNNet(CIN, CH, LAYERS, K, compile=dict(backend='eager'))
    frames, mask = _clip(8)
    for _ in range(2):
        preds, _ = net(frames, mask)
        preds.sum().backward()
        with torch.no_grad():
            net(frames, mask)
    assert counters['stats']['unique_graphs'] == 4
    assert len(net.step_compiler._compiled) == 4


def test_predict_change_compiled_and_checkpointed_match_eager():
    """The change mode (fed frame + head, inside each compiled step):
    training with and without checkpointing and inference equal eager,
    untrained (copy-last) and with a non-zero head (``aot_eager``:
    dynamo and AOT autograd without code generation)."""
    torch._dynamo.reset()
    counters.clear()

    def change_net(**kwargs):
        torch.manual_seed(0)
        return PredRNNNet(CIN, CH, LAYERS, K, decouple=True,
                          predict_change=True, **kwargs)

    eager, compiled = change_net(), change_net(
        compile=dict(backend='aot_eager'))
    frames, _ = _clip(9)
    mask = torch.ones(B, T - 1)
    mask[:, 2:] = 0  # frames 0 and 1 observed
    with torch.no_grad():
        p_c = compiled(frames, mask)[0]
    assert torch.equal(p_c[:, 1:], frames[:, 1:2].expand_as(p_c[:, 1:]))
    head = torch.randn(eager.conv_last.weight.shape,
                       generator=torch.Generator().manual_seed(1))
    for net in (eager, compiled):
        with torch.no_grad():
            net.conv_last.weight.copy_(head)
    for checkpointed in (False, True):
        compiled.activation_checkpointing = checkpointed
        _assert_same_training(eager, compiled, seed=10)
    compiled.activation_checkpointing = False
    with torch.no_grad():
        _assert_close(compiled(frames, mask)[0], eager(frames, mask)[0])
    assert not counters['graph_break']
