"""``groupbuy parse post`` and ``groupbuy parse comment`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli.parse_chat import comment, post

POST = str(Path(__file__).parent / "corpus" / "frozen_dumplings.txt")
NOW = "2026-11-20T09:00:00+08:00"


def test_post_prints_the_campaign() -> None:
    result = CliRunner().invoke(post, [POST, "--now", NOW])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["deadline"] == "2026-12-01T20:00:00+08:00"
    assert data["delivery_date"] == "2026-12-08"
    assert data["items"][0] == {
        "code": "A", "name": "高麗菜豬肉水餃", "price": 180, "limit": None, "unit": "包", "spec": "50顆/包",
        "variants": [], "tiers": [], "per_member_limit": None, "minimum": None,
    }
    assert data["problems"] == []
    assert "高麗菜" in result.output  # ensure_ascii=False


def test_post_without_items_exits_1_with_zh_tw_reason(tmp_path: Path) -> None:
    empty = tmp_path / "post.txt"
    empty.write_text("大家好～下週開團", encoding="utf-8")
    result = CliRunner().invoke(post, [str(empty), "--now", NOW])
    assert result.exit_code == 1
    assert "看不到任何品項" in result.stderr
    assert result.stdout == ""


def test_comment_order_and_ask() -> None:
    runner = CliRunner()
    order = runner.invoke(comment, ["--post", POST, "--now", NOW, "A+2"])
    assert json.loads(order.output) == {
        "status": "order",
        "intents": [{"action": "add", "item": "A", "qty": 2, "variant": None, "for": None, "note": None}],
    }
    ask = runner.invoke(comment, ["--post", POST, "水餃+1"])
    assert json.loads(ask.output) == {
        "status": "ask",
        "intents": [{"action": "add", "item": None, "qty": 1, "variant": None, "for": None, "note": None}],
        "reason": "ambiguous_item",
        "candidates": ["A", "B"],
    }


def test_comment_jsonl_answers_each_line_in_order() -> None:
    lines = ["A+2", "謝謝團主", "取消", "+1", "B改3"]
    stdin = "".join(json.dumps({"text": text}, ensure_ascii=False) + "\n" for text in lines)
    result = CliRunner().invoke(comment, ["--post", POST, "--jsonl"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [row["status"] for row in out] == ["order", "none", "order", "ask", "order"]
    assert out[4]["intents"] == [{"action": "set", "item": "B", "qty": 3, "variant": None, "for": None, "note": None}]


def test_comment_carries_for_note_and_same() -> None:
    runner = CliRunner()
    order = runner.invoke(comment, ["--post", POST, "幫小明 A+2 不要辣"])
    assert json.loads(order.output)["intents"] == [
        {"action": "add", "item": "A", "qty": 2, "variant": None, "for": "小明", "note": "不要辣"}
    ]
    quoted = runner.invoke(comment, ["--post", POST, "--quoted", "+1"])
    assert json.loads(quoted.output) == {
        "status": "same",
        "intents": [{"action": "same", "item": None, "qty": None, "variant": None, "for": None, "note": None}],
        "reason": "quoted",
    }
    stdin = json.dumps({"text": "我也要", "quoted": True}, ensure_ascii=False) + "\n" + json.dumps({"text": "我也要"})
    rows = [json.loads(line) for line in runner.invoke(comment, ["--post", POST, "--jsonl"], input=stdin).output.splitlines()]
    assert [row["status"] for row in rows] == ["same", "none"]


def test_comment_jsonl_rejects_a_bad_line() -> None:
    result = CliRunner().invoke(comment, ["--post", POST, "--jsonl"], input="not json\n")
    assert result.exit_code != 0
    assert "第 1 行" in result.output


def test_comment_needs_text_or_jsonl() -> None:
    assert CliRunner().invoke(comment, ["--post", POST]).exit_code == 2
