"""hypewatch: holds AI model-launch claims to evidence."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hypewatch")  # one place: pyproject.toml
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
