"""The weight provenance verifier: Hub metadata, revisions, Range reads, attribution."""
