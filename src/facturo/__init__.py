"""Facturo: self-hostable invoicing and light accounting for Colombian companies."""

__version__ = "0.1.0"
