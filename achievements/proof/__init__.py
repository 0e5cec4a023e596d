"""Proof documents: their content, PDF and signature."""
