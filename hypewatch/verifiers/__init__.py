"""Verifiers: the plugin contract (base.py) and the built-ins."""
