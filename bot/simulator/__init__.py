"""The LINE simulator: a chat page served by the fake LINE platform, posting real webhooks to the bot.

    server = build_simulator_server(bot_webhook_url="http://127.0.0.1:8000/callback",
                                    channel_secret=..., channel_access_token=...)
    base_url = server.start()   # point the bot's LINE_API_BASE_URL here; open base_url + "/" in a browser
    ...
    server.stop()

Or from a shell: `python -m bot.simulator --bot-webhook-url http://127.0.0.1:8000/callback --port 8090`.
"""

from __future__ import annotations

from bot.fakeline import FakeLinePlatform, FakeLineServer, WebhookSender
from bot.simulator.cast import DEMO_HOST_ID, Cast, Person, demo_cast
from bot.simulator.routes import simulator_blueprint
from bot.simulator.simulator import Outcome, Simulator

__all__ = [
    "DEMO_HOST_ID",
    "Cast",
    "Outcome",
    "Person",
    "Simulator",
    "build_simulator_server",
    "demo_cast",
]


def build_simulator_server(
    *,
    bot_webhook_url: str,
    channel_secret: str,
    channel_access_token: str,
    host: str = "127.0.0.1",
    port: int = 0,
    host_user_id: str = DEMO_HOST_ID,
    cast: Cast | None = None,
    platform: FakeLinePlatform | None = None,
) -> FakeLineServer:
    """Return a (not yet started) server for the fake LINE API and the simulator page at `/`.

    The group and people come from `cast` (default: `demo_cast(host_user_id)`); `server.platform` is the
    FakeLinePlatform to inspect, `server.app.config["SIMULATOR"]` the Simulator.
    """
    platform = platform if platform is not None else FakeLinePlatform(channel_access_token)
    platform.channel_access_token = channel_access_token
    cast = cast if cast is not None else demo_cast(host_user_id)
    simulator = Simulator(platform, cast, WebhookSender(bot_webhook_url, channel_secret))
    server = FakeLineServer(platform, host=host, port=port, blueprints=[simulator_blueprint(simulator)])
    server.app.config["SIMULATOR"] = simulator
    return server
