"""Qatysu: the domain services, settings and wiring of the bot."""
