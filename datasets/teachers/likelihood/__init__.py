"""Likelihood teachers: the exact 1809.05548 toy, its pyhf workspace, pyhf workspaces from JSON or from histograms."""
