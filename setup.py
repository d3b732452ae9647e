"""Install the PredRNN-V2 mmengine plugin (import name ``predrnn``)."""
from setuptools import find_packages, setup

WEATHER = ['xarray', 'h5netcdf', 'h5py', 'zarr']

setup(
    name='predrnn-mmengine',
    version='0.1.0',
    description='PredRNN and PredRNN-V2 for spatiotemporal predictive '
    'learning, as an mmengine plugin',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    package_dir={'': 'plugin'},
    packages=find_packages('plugin'),
    python_requires='>=3.9',
    install_requires=[
        'torch>=2.6',
        'mmengine>=0.10.4',
        'timm>=0.9',
        'numpy',
        'opencv-python',
        'scikit-image>=0.19',
        'fvcore',
        'matplotlib',
    ],
    extras_require={
        # NetCDF / Zarr / HDF5 fields (WeatherBench, SEVIR, your own radar)
        'weather': WEATHER,
        # BAIR's TFRecords, read without TensorFlow
        'bair': ['tfrecord'],
        # the tests read tiny files of every format
        'dev': ['pytest>=7', 'tensorboard', 'tfrecord'] + WEATHER,
    },
    license='Apache-2.0',
)
