"""Residents without Telegram: items, "I will come" and attendance entered by staff for them."""
