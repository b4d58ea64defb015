"""End-to-end scenarios across issues."""
