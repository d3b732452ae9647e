"""Importing ``predrnn`` changes nothing of mmengine: a plain mmengine model
saves, loads and resumes the same with and without the import.

Each case runs in a fresh interpreter (``plain_mmengine_run.py``), so the
"without" case has never seen the plugin.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

SCRIPT = osp.join(osp.dirname(osp.abspath(__file__)), 'plain_mmengine_run.py')


def run_cases(tmp_path, cases):
    """Start every case at once (they are independent); return reports."""
    procs = {}
    for name, (flags, env_extra) in cases.items():
        env = dict(os.environ, OMP_NUM_THREADS='1')
        env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
        env.update(env_extra)
        procs[name] = subprocess.Popen(
            [sys.executable, SCRIPT, str(tmp_path / name), *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env)
    reports = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        line = [x for x in out.splitlines() if x.startswith('REPORT ')][-1]
        reports[name] = json.loads(line[len('REPORT '):])
    return reports


@pytest.fixture(scope='module')
def reports(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('guest')
    unsafe = dict(TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1')
    return run_cases(tmp_path, {
        # mmengine as it behaved before torch 2.6 (full unpickling)
        'without_unsafe': ([], unsafe),
        'with_unsafe': (['--import-predrnn'], unsafe),
        # torch's default since 2.6: weights_only=True
        # (without the import, torch refuses mmengine's HistoryBuffer: the
        # allow-list is the one thing the import adds)
        'with': (['--import-predrnn'], {}),
    })


def test_import_leaves_mmengine_objects_alone(reports):
    report = reports['with']
    assert report['same_dict'], 'CheckpointLoader._schemes was replaced'
    assert all(report['unchanged'].values()), report['unchanged']


def test_save_load_resume_same_with_and_without_import(reports):
    reference = reports['without_unsafe']
    assert 'error' not in reference, reference['error']
    assert reference['resumed']['iter'] == 4
    assert reference['resumed']['losses'] == 4
    for name in ('with_unsafe', 'with'):
        assert 'error' not in reports[name], reports[name]['error']
        assert reports[name]['loaded'] == reference['loaded'], name
        assert reports[name]['resumed'] == reference['resumed'], name
