"""Torch networks, losses, fitting, export to model bundles and validation reports.

Training reads the same NanoAOD-style samples as processing and calls the feature functions
of :mod:`hepsurrogates.models`, so training and inference cannot drift apart.
"""
