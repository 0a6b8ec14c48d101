"""Coffea processors that attach surrogate columns, fill hist histograms and write skims, and
the runner (local, Dask cluster, coffea Runner). Needs onnxruntime, never torch.
"""
