"""Residents and hearings; staff create and manage them."""
