"""Layers point one way: ``predrnn.models`` imports nothing from the data
(``datasets``), the engine's hooks or the inference API (``apis``), which
sit on top of it."""
import ast
import os.path as osp
from pathlib import Path

import predrnn

PACKAGE = Path(osp.dirname(predrnn.__file__))


def _imported(path: Path):
    """Absolute names of the modules one file imports."""
    module = '.'.join(path.relative_to(PACKAGE.parent).with_suffix('').parts)
    package = module.rsplit('.', 1)[0]  # for a/__init__.py: a
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parts = package.split('.')
                parts = parts[:len(parts) - node.level + 1]
                base = '.'.join(parts + ([base] if base else []))
            yield base
            yield from (f'{base}.{alias.name}' for alias in node.names)


def _forbidden(name: str) -> bool:
    if name.startswith(('predrnn.datasets', 'predrnn.apis')):
        return True
    return name.startswith('predrnn.engine') and 'hook' in name


def test_models_import_no_data_hooks_or_apis():
    files = sorted((PACKAGE / 'models').rglob('*.py'))
    assert len(files) > 20
    bad = [f'{path.relative_to(PACKAGE)}: {name}' for path in files
           for name in _imported(path) if _forbidden(name)]
    assert not bad, bad


def test_the_check_sees_relative_imports():
    """``from ...datasets import x`` in predrnn/models/a/b.py resolves to
    predrnn.datasets (the check would otherwise pass vacuously)."""
    path = PACKAGE / 'models' / 'networks' / 'predrnn_net.py'
    names = set(_imported(path))
    assert 'predrnn.models.cells' in names
    assert 'predrnn.registry' in names
