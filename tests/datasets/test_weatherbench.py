"""WeatherBench: tiny yearly-style NetCDF files (time / lat / lon) written
with xarray; the split by years across file boundaries, OpenSTL's dropped
last hour, the training-years z-score and the latitudes for the metrics."""
import numpy as np
import pytest

xr = pytest.importorskip('xarray')

from predrnn.datasets import WeatherBench  # noqa: E402

H, W = 8, 8
LAT = np.linspace(-78.75, 78.75, H)


def _write(folder, name, start, hours, seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(280, 10, (hours, H, W)).astype(np.float32)
    times = np.datetime64(start, 'h') + np.arange(hours)
    xr.Dataset({'t2m': (('time', 'lat', 'lon'), values)},
               coords=dict(time=times, lat=LAT,
                           lon=np.arange(W) * 45.0)).to_netcdf(
                               folder / name, engine='h5netcdf')
    return times, values


@pytest.fixture
def root(tmp_path):
    folder = tmp_path / '2m_temperature'
    folder.mkdir()
    parts = [
        _write(folder, '2m_temperature_a.nc', '2014-12-31T10', 24, 0),
        _write(folder, '2m_temperature_b.nc', '2015-01-01T10', 24, 1),
        _write(folder, '2m_temperature_c.nc', '2016-01-01T00', 30, 2),
    ]
    times = np.concatenate([t for t, _ in parts])
    values = np.concatenate([v for _, v in parts])
    return tmp_path, times, values


YEARS = dict(train=(2015, 2015), val=(2016, 2016), test=(2016, 2016))


def _hours_of(times, values, year):
    inside = times.astype('datetime64[Y]').astype(int) + 1970 == year
    return values[inside][:-1]  # OpenSTL drops the last hour of a range


def test_split_by_years_across_files(root):
    path, times, values = root
    ds = WeatherBench(data_root=str(path), years=YEARS, in_frames=2,
                      out_frames=2)
    series = _hours_of(times, values, 2015)
    assert len(series) == 10 + 24 - 1
    assert len(ds) == len(series) - 3  # every start of a 4-hour window
    for i in (0, 8, 9, 10, len(ds) - 1):  # 9: the window across two files
        np.testing.assert_array_equal(ds[i]['inputs'].numpy(),
                                      series[i:i + 4, None])


def test_every_split_is_zscored_with_the_training_years(root):
    path, times, values = root
    train = _hours_of(times, values, 2015).astype(np.float64)
    for split in ('train', 'val'):
        ds = WeatherBench(data_root=str(path), years=YEARS, split=split,
                          in_frames=2, out_frames=2)
        norm = ds.metainfo['normalization']
        assert norm['kind'] == 'meanstd'
        np.testing.assert_allclose(norm['offset'], [train.mean()], rtol=1e-9)
        np.testing.assert_allclose(norm['scale'], [train.std()], rtol=1e-9)
    val = WeatherBench(data_root=str(path), years=YEARS, split='val',
                       in_frames=2, out_frames=2)
    np.testing.assert_array_equal(val[0]['inputs'].numpy(),
                                  _hours_of(times, values, 2016)[:4, None])
    assert val.metainfo['latitudes'] == pytest.approx(list(LAT))


def test_frame_stride_keeps_every_nth_hour(root):
    path, times, values = root
    ds = WeatherBench(data_root=str(path), years=YEARS, in_frames=2,
                      out_frames=2, frame_stride=6)
    series = _hours_of(times, values, 2015)[::6]
    assert len(ds) == len(series) - 3
    np.testing.assert_array_equal(ds[1]['inputs'].numpy(),
                                  series[1:5, None])


def test_missing_files_and_years_say_what_to_get(tmp_path, root):
    path, _, _ = root
    with pytest.raises(FileNotFoundError, match='geopotential_500'):
        WeatherBench(data_root=str(path), variable='z')
    with pytest.raises(ValueError, match='no hour of the years 2017-2018'):
        WeatherBench(data_root=str(path), split='test',
                     years=dict(YEARS, test=(2017, 2018)))
    with pytest.raises(ValueError, match='not one of'):
        WeatherBench(data_root=str(path), variable='sst')


def test_climatology_is_the_training_years_mean_per_pixel(root):
    path, times, values = root
    ds = WeatherBench(data_root=str(path), years=YEARS, split='val',
                      in_frames=2, out_frames=2)
    want = _hours_of(times, values, 2015).astype(np.float64).mean(0)
    np.testing.assert_allclose(np.array(ds.metainfo['climatology']),
                               want[None], rtol=1e-12)


def test_the_config_trains_and_reports_weighted_scores(root, monkeypatch):
    """configs/weatherbench/predrnnv2_t2m.py with a tiny network in a real
    Runner: both evaluators report, the weighted RMSE in data units."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.runner import Runner
    monkeypatch.setattr(Config, 'pretty_text', property(lambda c: c.text))
    path, _, _ = root
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..',
                                   'configs', 'weatherbench',
                                   'predrnnv2_t2m.py'))
    data = dict(data_root=str(path), years=YEARS, in_frames=2, out_frames=2,
                window_stride=4)
    loaders = {f'{s}_dataloader': dict(
        batch_size=4, num_workers=0, persistent_workers=False,
        dataset=dict(data, split=s)) for s in ('train', 'val', 'test')}
    cfg.merge_from_dict(dict(
        work_dir=str(path / 'work'), log_level='WARNING',
        model=dict(in_frames=2, out_frames=2, num_layers=1, num_hidden=4,
                   kernel_size=3),
        train_cfg=dict(max_epochs=1, val_interval=1), param_scheduler=[],
        default_hooks=dict(checkpoint=dict(interval=1)), **loaders))
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    # an untrained model: errors of several kelvin, not of normalised units
    assert 1.0 < metrics['wrmse'] < 100.0
    assert -1.0 <= metrics['wacc'] <= 1.0
    assert len(metrics['wrmse_per_step']) == 2 and 'mse_units' in metrics


def test_the_folder_check_names_missing_years(root, tmp_path):
    from predrnn.datasets.weatherbench import check_weatherbench_folder
    path, _, _ = root
    (problem, ) = check_weatherbench_folder(str(path))
    assert '2m_temperature lacks the years [2010, 2011' in problem
    (problem, ) = check_weatherbench_folder(str(tmp_path / 'empty'))
    assert 'holds none of the WeatherBench folders' in problem


def test_statistics_and_climatology_share_one_pass(root, monkeypatch):
    """The z-score statistics and the climatology come from one streaming
    pass over the training years (each is a full read of 6 years)."""
    import predrnn.datasets.sequence_dataset as sd
    import predrnn.datasets.weatherbench as wb
    fresh = {}  # nothing cached by the tests before
    monkeypatch.setattr(sd, '_STATS_CACHE', fresh)
    monkeypatch.setattr(wb, '_STATS_CACHE', fresh)
    monkeypatch.setattr(wb, '_CLIMATOLOGY', {})
    passes = []
    original = WeatherBench.training_chunks

    def counted(self):
        passes.append(1)
        yield from original(self)

    monkeypatch.setattr(WeatherBench, 'training_chunks', counted)
    path, times, values = root
    ds = WeatherBench(data_root=str(path), years=YEARS, split='val',
                      in_frames=2, out_frames=2)
    meta = ds.metainfo
    assert len(passes) == 1
    train = _hours_of(times, values, 2015).astype(np.float64)
    np.testing.assert_allclose(meta['normalization']['offset'],
                               [train.mean()], rtol=1e-9)
    np.testing.assert_allclose(np.array(meta['climatology']),
                               train.mean(0)[None], rtol=1e-12)
