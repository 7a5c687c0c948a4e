"""Qatysu: the domain services, settings and wiring of the bot."""

import os

# Opt in to PTB 23's time periods as timedelta now (RetryAfter.retry_after and friends), which
# also silences PTB 22's deprecation warning on every 429 answer.
os.environ.setdefault("PTB_TIMEDELTA", "1")
