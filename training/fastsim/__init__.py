"""Training of the ``fastsim`` family: reco-level objects from gen level (arXiv 2010.01835, FlashSim)."""
