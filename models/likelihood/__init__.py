"""The likelihood family on the inference side: surrogate bundles, MCMC, profile fits, limits, combination."""
