"""hypewatch: holds AI model-launch claims to evidence."""

__version__ = "0.1.0"
