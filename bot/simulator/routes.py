"""HTTP routes of the simulator page: the page itself and a small JSON API it calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bot.simulator.simulator import Outcome, Simulator

STATIC_DIR = Path(__file__).parent / "static"


def simulator_blueprint(simulator: Simulator) -> Blueprint:
    """Return the blueprint serving the chat page at `/` and its API under `/simulator/api`."""
    bp = Blueprint("simulator", __name__, static_folder=str(STATIC_DIR), static_url_path="/simulator/static")

    def answer(outcome: Outcome) -> tuple[Response, int]:
        """Return the outcome as JSON (200 even if the bot failed: the page shows the error)."""
        return jsonify(outcome.to_dict()), 200

    def body() -> dict[str, Any]:
        """Return the JSON body of the request."""
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}

    @bp.get("/")
    def index() -> Response:
        """Serve the chat page."""
        return Response((STATIC_DIR / "index.html").read_bytes(), mimetype="text/html")

    @bp.get("/simulator/api/state")
    def state() -> Response:
        """Return the cast, the group and the quota."""
        return jsonify(simulator.state())

    @bp.get("/simulator/api/timeline")
    def timeline() -> Response:
        """Return chat bubbles newer than `?after=`."""
        after = request.args.get("after", default=0, type=int)
        return jsonify({"entries": simulator.timeline(after_seq=after)})

    @bp.post("/simulator/api/say")
    def say() -> tuple[Response, int]:
        """Send a text message (also used for quick-reply message actions)."""
        data = body()
        return answer(simulator.say(data["as"], data["chat"], str(data["text"])))

    @bp.post("/simulator/api/postback")
    def postback() -> tuple[Response, int]:
        """Tap a postback action."""
        data = body()
        return answer(simulator.postback(data["as"], data["chat"], str(data["data"]), data.get("displayText")))

    @bp.post("/simulator/api/unsend")
    def unsend() -> tuple[Response, int]:
        """Withdraw a message."""
        return answer(simulator.unsend(str(body()["messageId"])))

    @bp.post("/simulator/api/redeliver")
    def redeliver() -> tuple[Response, int]:
        """Send a message's webhook again as a redelivery."""
        return answer(simulator.redeliver(str(body()["messageId"])))

    @bp.post("/simulator/api/edit")
    def edit() -> tuple[Response, int]:
        """Edit a group message."""
        data = body()
        return answer(simulator.edit(str(data["messageId"]), str(data["text"])))

    @bp.post("/simulator/api/friend")
    def friend() -> tuple[Response, int]:
        """Add the bot as a friend or block it."""
        data = body()
        return answer(simulator.set_friend(data["as"], bool(data["friend"])))

    @bp.post("/simulator/api/invite")
    def invite() -> tuple[Response, int]:
        """Add the bot to the group (join event)."""
        return answer(simulator.invite_bot())

    @bp.post("/simulator/api/upload")
    def upload() -> tuple[Response, int]:
        """Send a file message (multipart form: `as`, `chat`, `file`)."""
        file = request.files["file"]
        data = file.read()
        return answer(
            simulator.upload(request.form["as"], request.form["chat"], file.filename or "file", data, file.mimetype or "")
        )

    @bp.errorhandler(KeyError)
    def missing(exc: KeyError) -> tuple[Response, int]:
        """Answer a request naming an unknown person, chat or message."""
        return jsonify({"ok": False, "error": f"找不到 {exc.args[0] if exc.args else ''}"}), 400

    return bp
