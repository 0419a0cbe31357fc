"""Endpoint fingerprinting: which model family really answers behind an API."""
