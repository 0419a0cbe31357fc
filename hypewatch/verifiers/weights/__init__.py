"""Weight provenance: Hub metadata, revisions, safetensors range reads, base attribution."""
