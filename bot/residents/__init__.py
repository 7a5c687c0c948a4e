"""Residents: where they live (village binding and moves); verification joins here."""
