"""Features (awkward → numpy, the one definition of each surrogate input), the model bundle
(ONNX + validated card), onnxruntime wrappers for coffea, and the shipped trained bundles.

Processing workers import this package and onnxruntime only; never torch.
"""
