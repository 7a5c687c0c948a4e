"""Stands in for tornado when bench/serve.py starts ``python -m bot run``.

The bot's own install has no tornado (its webhook is aiohttp: bot/webhook.py), but the dev
install has it for the bare PTB bot, and python-telegram-bot imports it whenever it can: the
shipped process would then be measured ~3 MB heavier than it runs.
"""

raise ImportError("tornado is not part of the bot's install")
