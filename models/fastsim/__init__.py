"""The ``fastsim`` family's features (gen-level inputs, reco-level outputs) and its counter-based noise."""
