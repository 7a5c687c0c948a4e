"""Verified residents: the resident's dialog (share a phone) and the staff's queue (/verify)."""
