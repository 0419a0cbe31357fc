"""Claim extraction: spaCy matchers, benchmark registry, model cards, launch resolution."""
