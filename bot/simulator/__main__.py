"""Run the fake LINE platform and the simulator page until interrupted."""

from __future__ import annotations

import argparse
import logging
import os
import threading

from bot.simulator import DEMO_HOST_ID, build_simulator_server

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    """Parse options, start the server and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m bot.simulator", description=__doc__)
    parser.add_argument("--bot-webhook-url", default="http://127.0.0.1:8000/callback")
    parser.add_argument("--channel-secret", default=os.environ.get("LINE_CHANNEL_SECRET", "demo-channel-secret"))
    parser.add_argument(
        "--channel-access-token", default=os.environ.get("LINE_CHANNEL_ACCESS_TOKEN", "demo-channel-access-token")
    )
    parser.add_argument("--host-user-id", default=DEMO_HOST_ID)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    server = build_simulator_server(
        bot_webhook_url=args.bot_webhook_url,
        channel_secret=args.channel_secret,
        channel_access_token=args.channel_access_token,
        host_user_id=args.host_user_id,
        host=args.host,
        port=args.port,
    )
    base_url = server.start()
    logger.info("LINE simulator at %s/ ; set LINE_API_BASE_URL=%s for the bot", base_url, base_url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
