"""``python -m bot.simulator serve --port N``: the Bot API simulator over HTTP, by hand."""

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
    args = parser.parse_args(argv)
    try:
        from bot.simulator import http
    except ImportError:
        print("The HTTP simulator needs aiohttp: pip install -e '.[dev]'", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(http.serve(args.host, args.port, args.token))
    return 0


if __name__ == "__main__":
    sys.exit(main())
