"""The ``ditau`` family's features (the one definition of each input) and its baseline, FastMTT."""
