"""Benchmark replication against an OpenAI-compatible endpoint, anytime-valid."""
