"""Participatory budget of a village or okrug: proposals, screening, a vote, results."""
