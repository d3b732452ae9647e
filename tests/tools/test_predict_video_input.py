"""tools/predict.py on a video whose container declares more frames than
decode: the forecast uses what decodes, and a warning gives both counts."""
import os.path as osp
import struct
import sys

import cv2
import numpy as np
import torch

from predrnn.datasets import video_file
from predrnn.registry import MODELS

ROOT = osp.join(osp.dirname(__file__), '..', '..')
sys.path.insert(0, osp.join(ROOT, 'tools'))
import predict  # noqa: E402

MODEL = dict(type='PredRNNv2', in_frames=2, out_frames=1, num_layers=1,
             num_hidden=4, kernel_size=3,
             data_preprocessor=dict(type='VideoDataPreprocessor',
                                    patch_size=2))


def test_video_cut_short_warns_with_both_counts(tmp_path, monkeypatch):
    config = tmp_path / 'cfg.py'
    config.write_text(
        "default_scope = 'predrnn'\n"
        "custom_imports = dict(imports=['predrnn'])\n"
        f"model = {MODEL!r}\n"
        "test_dataloader = dict(dataset=dict(type='SequenceDataset', "
        "color='gray'))\n")
    torch.save(dict(meta={}, state_dict=MODELS.build(MODEL).state_dict()),
               tmp_path / 'm.pth')
    video = tmp_path / 'cut.avi'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'), 10,
                             (8, 8))
    for i in range(6):
        writer.write(np.full((8, 8, 3), 40 * i, np.uint8))
    writer.release()
    data = bytearray(video.read_bytes())
    strh = data.find(b'strh')  # AVISTREAMHEADER.dwLength: 32 bytes in
    data[strh + 40:strh + 44] = struct.pack('<I', 25)
    video.write_bytes(bytes(data))
    logged = []
    monkeypatch.setattr(video_file, 'print_log',
                        lambda msg, logger=None, level=None:
                        logged.append(msg))
    predict.main([str(config), str(tmp_path / 'm.pth'), str(video),
                  '--out-dir', str(tmp_path / 'out'), '--device', 'cpu',
                  '--format', 'npy'])
    assert len(logged) == 1
    assert 'declares 25 frames but only 6 decode' in logged[0]
    observed = np.load(tmp_path / 'out' / 'cut_avi' / 'observed.npy')
    assert observed.shape == (2, 1, 8, 8)  # the last 2 of the 6 frames
