"""Benchmark the chat parsers: comments per second in-process and through the CLI (not a test)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers.announcement import parse_announcement  # noqa: E402
from parsers.comment import CommentParser  # noqa: E402

POST = ROOT / "tests" / "unit" / "parsers" / "corpus" / "frozen_dumplings.txt"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Taipei"))

# A realistic mix: about half orders, some asks, the rest chit-chat, questions and payment reports.
MIX = [
    "+1", "A+2", "a+1 b+1", "A+2、B+1", "高麗菜+1", "+1 韭菜", "我要兩包高麗菜", "A*2", "Ｂ＋１", "C 2盒",
    "A改3", "取消", "B-1", "水餃+1", "鮭魚+1", "A+60", "我也+1", "韭菜鮮蝦水餃 x2 謝謝", "A1 B2", "全部各+1",
    "謝謝團主", "好的", "收到", "A還有嗎？", "請問+1之後要怎麼付款", "我也覺得+1", "哈哈好好笑", "12/8 前會到嗎",
    "已匯款 後五碼12345 540元", "0912-345-678", "辛苦了～", "今天好冷", "什麼時候到貨", "好期待🥰", "👍",
]


def bench_comments_in_process(count: int = 200_000) -> float:
    """Return comments/second for CommentParser.parse over the mix, on one core."""
    items = parse_announcement(POST.read_text(encoding="utf-8"), NOW).items
    parser = CommentParser(items)
    texts = [MIX[i % len(MIX)] + ("" if i % 3 else " ") for i in range(count)]  # vary the text a little
    start = time.perf_counter()
    for text in texts:
        parser.parse(text)
    return count / (time.perf_counter() - start)


def bench_comments_cli(count: int = 20_000) -> float:
    """Return comments/second through `groupbuy parse comment --jsonl` (process start included)."""
    stdin = "".join(json.dumps({"text": MIX[i % len(MIX)]}, ensure_ascii=False) + "\n" for i in range(count))
    command = [str(ROOT / ".venv" / "bin" / "groupbuy"), "parse", "comment", "--post", str(POST), "--jsonl"]
    start = time.perf_counter()
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    assert len(done.stdout.splitlines()) == count
    return count / elapsed


def main() -> None:
    """Run each parser benchmark and print its figure."""
    results = {
        "comment, in-process": bench_comments_in_process(),
        "comment, CLI --jsonl": bench_comments_cli(),
    }
    for name, rate in results.items():
        sys.stdout.write(f"{name:<28} {rate:>12,.0f} comments/s\n")


if __name__ == "__main__":
    main()
