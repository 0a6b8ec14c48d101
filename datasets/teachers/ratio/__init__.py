"""The ratio family's teacher: the per-event |M(z|θ)|² of the hard process at the morphing basis points."""
