"""``python -m bot.simulator serve --port N [--latency S]``: the Bot API simulator over HTTP."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m bot.simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the Bot API simulator on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8081)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--token", default=None, help="answer 401 to any other bot token")
    serve.add_argument(
        "--latency", type=float, default=0.0, help="seconds each Bot API answer takes"
    )
    serve.add_argument(
        "--no-flood-limits",
        action="store_true",
        help="never answer 429 (a paid-broadcast benchmark); Telegram's limits apply otherwise",
    )
    args = parser.parse_args(argv)
    try:
        from bot.simulator import http
    except ImportError:
        print("The HTTP simulator needs aiohttp: pip install -e '.[dev]'", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            http.serve(
                args.host,
                args.port,
                args.token,
                latency=args.latency,
                flood_limits=not args.no_flood_limits,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
