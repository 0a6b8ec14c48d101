"""Teachers: the expensive per-event computations that the surrogates learn, one folder per family."""
