"""Gridded NetCDF, Zarr and HDF5 fields as SequenceDataset sources: tiny
files written in the test with xarray and h5py, windows compared with the
arrays written."""
import numpy as np
import pytest

from predrnn.datasets import SequenceDataset
from predrnn.datasets import gridded_file

xr = pytest.importorskip('xarray')
h5py = pytest.importorskip('h5py')

T, H, W = 30, 4, 6


def _field(seed=0, levels=None):
    rng = np.random.default_rng(seed)
    shape = (T, H, W) if levels is None else (T, levels, H, W)
    return rng.normal(280, 5, shape).astype(np.float32)


def _dataset(values):
    dims = ('time', 'lat', 'lon') if values.ndim == 3 else (
        'time', 'level', 'lat', 'lon')
    coords = dict(time=np.arange(T).astype('datetime64[h]'),
                  lat=np.linspace(-80, 80, H), lon=np.linspace(0, 300, W))
    return xr.Dataset({'t2m': (dims, values),
                       'other': (('lat', 'lon'), np.zeros((H, W)))},
                      coords=coords)


def _windows(ds):
    return [ds[i]['inputs'].numpy() for i in range(len(ds))]


def _expected(frames, ds):
    """(T, C, H, W) windows at the dataset's starts, indexed directly."""
    return [frames[int(s):int(s) + ds.num_frames] for _, s in ds.windows]


@pytest.mark.parametrize('store', ['nc', 'zarr'])
@pytest.mark.parametrize('levels', [None, 2])
def test_xarray_fields_window_like_arrays(tmp_path, store, levels):
    values = _field(levels=levels)
    path = str(tmp_path / f'field.{store}')
    if store == 'nc':
        _dataset(values).to_netcdf(path, engine='h5netcdf')
    else:
        pytest.importorskip('zarr')
        _dataset(values).to_zarr(path)
    ds = SequenceDataset(source=path, variable='t2m', split_by='time',
                         split_ratios=(0.5, 0.5, 0), split_gap=0,
                         in_frames=2, out_frames=3, window_stride=2,
                         split='val')
    frames = values[:, None] if levels is None else values
    got, want = _windows(ds), _expected(frames, ds)
    assert len(got) == len(want) > 0
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert ds.channels == (levels or 1) and ds.frame_size == (H, W)


def test_frame_stride_and_a_folder_of_files(tmp_path):
    values = [_field(seed) for seed in range(2)]
    for i, v in enumerate(values):
        _dataset(v).to_netcdf(tmp_path / f'year{i}.nc', engine='h5netcdf')
    ds = SequenceDataset(source=str(tmp_path), variable='t2m', split_by=None,
                         in_frames=2, out_frames=2, frame_stride=3,
                         window_stride=4)
    assert len(ds.sequences) == 2 and len(ds.sequences[0]) == 10
    q, s = ds.windows[-1]
    np.testing.assert_array_equal(
        ds[len(ds) - 1]['inputs'].numpy(),
        values[q][::3][s:s + 4][:, None])


@pytest.mark.parametrize('layout', ['NHWT', 'NTCHW', 'THW'])
def test_hdf5_layouts(tmp_path, layout):
    rng = np.random.default_rng(1)
    clips = rng.integers(0, 255, (3, 12, H, W)).astype(np.uint8)  # N T H W
    stored = {'NHWT': clips.transpose(0, 2, 3, 1),
              'NTCHW': clips[:, :, None],
              'THW': clips[0]}[layout]
    with h5py.File(tmp_path / 'events.h5', 'w') as f:
        f['vil'] = stored
        f['id'] = np.arange(3)
    ds = SequenceDataset(source=str(tmp_path / 'events.h5'), variable='vil',
                         layout=layout, split_by=None, in_frames=3,
                         out_frames=2, window_stride=5)
    n = 1 if layout == 'THW' else 3
    assert len(ds.sequences) == n
    for i in range(len(ds)):
        q, s = ds.windows[i]
        np.testing.assert_array_equal(ds[i]['inputs'].numpy(),
                                      clips[q, s:s + 5, None])


def test_errors_name_the_fix(tmp_path):
    _dataset(_field()).to_netcdf(tmp_path / 'f.nc', engine='h5netcdf')
    path = str(tmp_path / 'f.nc')
    with pytest.raises(ValueError, match=r"holds variables \['t2m', "
                       r"'other'\]; name one with variable="):
        SequenceDataset(source=path, split_by=None, in_frames=1,
                        out_frames=1)
    with pytest.raises(ValueError, match="no variable 'tp'"):
        SequenceDataset(source=path, variable='tp', split_by=None)
    with pytest.raises(ValueError, match='set time_dim='):
        SequenceDataset(source=path, variable='t2m', time_dim='valid_time',
                        split_by=None)
    with h5py.File(tmp_path / 'e.h5', 'w') as f:
        f['vil'] = np.zeros((2, 4, 4, 5), np.uint8)
    with pytest.raises(ValueError, match='layout= one of'):
        SequenceDataset(source=str(tmp_path / 'e.h5'), variable='vil',
                        split_by=None)


def test_a_missing_library_names_the_extra(tmp_path, monkeypatch):
    real = gridded_file.importlib.import_module

    def without_xarray(name):
        if name == 'xarray':
            raise ImportError('No module named xarray')
        return real(name)

    monkeypatch.setattr(gridded_file.importlib, 'import_module',
                        without_xarray)
    (tmp_path / 'f.nc').write_bytes(b'')
    with pytest.raises(ImportError, match=r'pip install -e "\.\[weather\]"'):
        SequenceDataset(source=str(tmp_path / 'f.nc'), variable='t2m')


def test_fields_pickle_as_paths_for_workers(tmp_path):
    import pickle
    values = _field()
    _dataset(values).to_netcdf(tmp_path / 'f.nc', engine='h5netcdf')
    with h5py.File(tmp_path / 'e.h5', 'w') as f:
        f['vil'] = values
    for source, extra in (('f.nc', dict(variable='t2m')),
                          ('e.h5', dict(variable='vil', layout='THW'))):
        ds = SequenceDataset(source=str(tmp_path / source), split_by=None,
                             in_frames=2, out_frames=2, **extra)
        copy = pickle.loads(pickle.dumps(ds))
        np.testing.assert_array_equal(copy[3]['inputs'].numpy(),
                                      values[3:7, None])
