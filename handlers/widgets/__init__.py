"""Widgets shared by features: keyboards, the dialog factory, pickers."""
