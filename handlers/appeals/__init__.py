"""Complaints and suggestions: intake, a resident's own items, the staff inbox."""
