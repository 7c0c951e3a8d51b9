"""Rendering stored results: figures, formulas, Markdown, HTML and PDF. Never imports torch."""
