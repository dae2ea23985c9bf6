"""Property tests for the forms of issue #22: 十1, 代訂, variants, notes, numbered posts, 同上; chit-chat stays silent."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from parsers.comment import CommentResult, Intent, parse_comment
from parsers.comment_orderlike import looks_like_order


@dataclass(frozen=True)
class Item:
    """A campaign item as the comment parser sees it."""

    code: str
    name: str
    variants: tuple[str, ...] = ()


LETTERED = [Item("A", "高麗菜豬肉水餃"), Item("B", "韭菜鮮蝦水餃"), Item("C", "玉米濃湯"), Item("D", "白帶魚")]
NUMBERED = [Item(str(i), name) for i, name in enumerate(["花生糖", "芝麻糖", "牛軋糖", "鳳梨酥", "蛋捲", "太陽餅"], 1)]
FLAVOURED = [Item("A", "水餃", ("原味", "辣味", "咖哩")), Item("B", "湯包", ("豬肉", "蟹黃")), Item("C", "餛飩")]
PEOPLE = ["小明", "小華", "阿華", "王媽媽", "陳姐", "林老師", "王小明", "陳大文", "我媽", "我同事", "Amy", "Kevin"]
NOTES = ["不要辣", "不要蔥", "分開裝", "去冰", "少糖", "切段", "不要香菜"]
qty = st.integers(1, 50)


@given(st.sampled_from(LETTERED), qty, st.sampled_from(["{c}+{n}", "{c}十{n}", "{c}加{n}", "{c} +{n}", "{c}x{n}"]))
def test_any_code_plus_n_reads_add(item: Item, n: int, form: str) -> None:
    text = form.format(c=item.code, n=n)
    assert parse_comment(text, LETTERED) == CommentResult("order", (Intent("add", item.code, n),)), text
    assert looks_like_order(text, LETTERED)


@given(st.sampled_from(LETTERED), qty, st.sampled_from(PEOPLE),
       st.sampled_from(["幫{p}{c}+{n}", "{p} {c}+{n}", "{c}+{n} {p}", "代訂 {p} {c}+{n}", "{p}\n{c}+{n}"]))
def test_ordering_for_someone_names_them(item: Item, n: int, person: str, form: str) -> None:
    if person.isascii():  # "幫AmyA+1" is one word to anyone; a Latin name needs its space before the code
        form = form.replace("{p}{c}", "{p} {c}")
    text = form.format(p=person, c=item.code, n=n)
    assert parse_comment(text, LETTERED).intents == (Intent("add", item.code, n, for_name=person),), text


@given(st.sampled_from(LETTERED), qty, st.sampled_from(["幫我{c}+{n}", "我 {c}+{n}", "團主 {c}+{n} 謝謝", "幫忙{c}+{n}"]))
def test_ordering_for_oneself_names_nobody(item: Item, n: int, form: str) -> None:
    text = form.format(c=item.code, n=n)
    assert parse_comment(text, LETTERED).intents == (Intent("add", item.code, n),), text


@given(st.sampled_from(FLAVOURED[:2]), st.data(), qty)
def test_a_variant_is_read_wherever_it_stands(item: Item, data: st.DataObject, n: int) -> None:
    variant = data.draw(st.sampled_from(item.variants))
    form = data.draw(st.sampled_from(["{c}{v}+{n}", "{c} {v} +{n}", "{v}{name}+{n}", "{name}{v}x{n}", "{c}{v} {n}"]))
    text = form.format(c=item.code, v=variant, name=item.name, n=n)
    assert parse_comment(text, FLAVOURED) == CommentResult("order", (Intent("add", item.code, n, variant),)), text


@given(st.sampled_from(FLAVOURED[:2]), qty)
def test_a_missing_variant_is_asked_with_the_variants(item: Item, n: int) -> None:
    result = parse_comment(f"{item.code}+{n}", FLAVOURED)
    assert (result.status, result.reason, result.candidates) == ("ask", "variant", item.variants)


@given(st.sampled_from(LETTERED), qty, st.sampled_from(NOTES))
def test_a_note_stays_on_its_line(item: Item, n: int, note: str) -> None:
    result = parse_comment(f"{item.code}+{n} {note}", LETTERED)
    assert result.intents == (Intent("add", item.code, n, note=note),)


NUMBERED_FORMS = ["{k} {n}盒", "{k}號 {n}盒", "#{k} {n}盒", "{k}. {n}盒", "{k}號{n}份"]


@given(st.integers(1, 6), st.integers(1, 20), st.sampled_from(NUMBERED_FORMS))
def test_numbered_posts_read_item_then_count(k: int, n: int, form: str) -> None:
    text = form.format(k=k, n=n)
    assert parse_comment(text, NUMBERED).intents == (Intent("add", str(k), n),), text


@given(st.integers(1, 6), st.integers(1, 6))
def test_plus_k_n_asks_between_the_two_readings(k: int, n: int) -> None:
    result = parse_comment(f"+{k} {n}", NUMBERED)
    assert (result.status, result.reason) == ("ask", "two_readings")
    assert set(result.candidates) == {f"{k}+{n}", f"{n}+{k}"}


@given(st.sampled_from(["+1", "我也要", "跟", "我也+1", "同上", "跟+1", "+1 謝謝"]))
def test_quoted_me_too_is_the_same_as_the_quoted(text: str) -> None:
    assert parse_comment(text, LETTERED, quoted=True) == CommentResult("same", (Intent("same", None, None),), "quoted")


# Chit-chat made of characters that can never start an order (no digits, operators, numerals or order words).
CHAT_CHARS = "好的哈今天冷熱期待辛苦謝棒讚喔啦呀吧嘿耶晚安早午大家樣美味吃飽真是太有趣了～！。 🥰👍"
CHAT = st.text(alphabet=list(CHAT_CHARS), max_size=30)


@given(CHAT, st.booleans())
def test_chit_chat_without_a_trigger_is_none(text: str, quoted: bool) -> None:
    assert parse_comment(text, LETTERED, quoted=quoted).status == "none"
    assert not looks_like_order(text, LETTERED)
