"""The family registry (filled in by the family-contract change)."""
