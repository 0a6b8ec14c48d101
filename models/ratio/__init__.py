"""The ``ratio`` family's simulators with exact likelihoods (the tractable toy of MadMiner's methods)."""
