"""Curation: the tools that add an article and its rows (add-source, spans, todo)."""
