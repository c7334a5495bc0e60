"""Run the fake Telegram server as a separate process.

Usage::

    python -m tests.telegram_stub --port 8081 [--rate-limits] [--state-file delivered.jsonl]

Prints ``READY http://127.0.0.1:<port>`` on stdout once listening (use ``--port 0``
for a free port).  Delivered messages are dumped as JSON lines to ``--state-file``
every 0.2 s and on SIGTERM/SIGINT.  See :mod:`tests.telegram_stub.control` for the
``/_control/*`` endpoints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from .server import FakeTelegram


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line options."""
    parser = argparse.ArgumentParser(prog="python -m tests.telegram_stub", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 = pick a free port")
    parser.add_argument("--rate-limits", action="store_true", help="emulate 429 flood control")
    parser.add_argument("--global-per-second", type=int, default=30)
    parser.add_argument("--per-chat-per-second", type=int, default=1)
    parser.add_argument("--strict-chats", action="store_true")
    parser.add_argument("--state-file", default=None, help="JSON-lines dump of deliveries")
    parser.add_argument("--dump-interval", type=float, default=0.2)
    parser.add_argument("--bot-username", default="mentor_test_bot")
    parser.add_argument("--bot-id", type=int, default=None, help="default: from the token")
    parser.add_argument("--max-long-poll", type=float, default=10.0)
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGTERM/SIGINT."""
    tg = FakeTelegram(
        host=args.host,
        port=args.port,
        bot_id=args.bot_id,
        bot_username=args.bot_username,
        rate_limits=args.rate_limits,
        global_per_second=args.global_per_second,
        per_chat_per_second=args.per_chat_per_second,
        strict_chats=args.strict_chats,
        max_long_poll=args.max_long_poll,
        state_file=args.state_file,
        dump_interval=args.dump_interval,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await tg.start()
    print(f"READY {tg.base_url}", flush=True)
    try:
        await stop.wait()
    finally:
        await tg.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
