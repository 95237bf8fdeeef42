"""Validation: a staging load, set-based Table Schema rules, and the project's own checks."""
