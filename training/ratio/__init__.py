"""Training of the ``ratio`` family: MadMiner's parameterised likelihood-ratio and local-score estimators."""
