"""The ``ratio`` family's processing: log r̂(x|θ, SM) on a θ grid and SALLY's score attached as columns."""

from .processor import DEFAULT_THETAS, RatioAttacher, attacher_from_options, bundle_method, ratio_field

__all__ = ["DEFAULT_THETAS", "RatioAttacher", "attacher_from_options", "bundle_method", "ratio_field"]
