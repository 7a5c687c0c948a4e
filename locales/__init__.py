"""Gettext catalogs (kk, ru, en); shipped as package data."""
