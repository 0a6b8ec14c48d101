"""Training of the ``ditau`` family: m_ML, the di-τ mass regression (DL_for_HTT_mass)."""
