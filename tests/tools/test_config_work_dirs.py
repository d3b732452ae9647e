"""Every config trains into its own default work dir:
configs/mmnist/predrnnv2.py and configs/mfmnist/predrnnv2.py once both
defaulted to work_dirs/predrnnv2, so the second run refused to start or,
with --resume, continued the other's checkpoint."""
import glob
import os.path as osp

from test_train import ROOT, train_tool

CONFIGS = sorted(
    path for path in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                               recursive=True)
    if '_base_' not in path.split(osp.sep))


def default_work_dir(config):
    """The work dir tools/train.py picks without --work-dir."""
    cfg = train_tool.build_config(train_tool.parse_args([config]))
    return osp.normpath(cfg.work_dir)


def test_no_two_configs_share_a_default_work_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no earlier run's work dirs in the way
    assert len(CONFIGS) >= 7
    owners = {}
    for config in CONFIGS:
        owners.setdefault(default_work_dir(config), []).append(
            osp.relpath(config, ROOT))
    shared = {d: c for d, c in owners.items() if len(c) > 1}
    assert not shared, shared
    # the command users type keeps a short, predictable place
    assert owners[osp.join('work_dirs', 'mmnist', 'predrnnv2')] == [
        osp.join('configs', 'mmnist', 'predrnnv2.py')]
    assert owners[osp.join('work_dirs', 'mfmnist', 'predrnnv2')] == [
        osp.join('configs', 'mfmnist', 'predrnnv2.py')]


def test_a_derived_config_elsewhere_gets_its_own_work_dir(tmp_path,
                                                          monkeypatch):
    """A user's config inheriting the paper config does not inherit its
    work dir."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / 'my_runs'
    folder.mkdir()
    config = folder / 'predrnnv2.py'
    base = osp.join(ROOT, 'configs', 'mmnist', 'predrnnv2.py')
    config.write_text(f'_base_ = [{base!r}]\n')
    assert default_work_dir(str(config)) == osp.join('work_dirs', 'my_runs',
                                                     'predrnnv2')
