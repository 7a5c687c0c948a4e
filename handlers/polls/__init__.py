"""Residents vote, staff create and manage polls."""
