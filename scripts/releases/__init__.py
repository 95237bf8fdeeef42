"""Releases: citable versions, reproducible archives and data diffs."""
