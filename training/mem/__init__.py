"""Training of the ``mem`` family: regressions of −log10 MEM weights (arXiv 2008.10949)."""
