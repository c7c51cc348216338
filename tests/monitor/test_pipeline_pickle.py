"""Parse workers send each new item back to the poller as an ``Analysed`` (``monitor.intake``):
it pickles as its constructor's arguments and comes back whole (issue 14, the full cycle's CPU).
What that costs is measured by ``bench/poll_bench.py --mode intake``."""

from __future__ import annotations

import pickle
import pickletools
from dataclasses import fields
from datetime import UTC, datetime

from monitor.pipeline import Analysed
from monitor.sources.item import Item
from rules import Entity, Match

ITEM = Item(
    title="Lithuania leaves the treaty",
    summary="s",
    link="https://example.org/a",
    guid="g",
    published=datetime(2026, 12, 8, 1, 2, 3, tzinfo=UTC),
    language="lt",
)


def _analysed(*, matched: bool) -> Analysed:
    entity = Entity("state", "LT", "Lithuania", spans=(("title", 0, 9),), generic=True)
    match = Match(
        rule_id="treaty-withdrawal",
        rule_title="A state leaves a treaty",
        severity="high",
        channels=("console",),
        terms=(),
        entities=(entity,),
        snippet="Lithuania leaves the treaty",
        snippet_spans=((0, 9),),
    )
    return Analysed(
        key="k1",
        item=ITEM,
        matches=(match,) if matched else (),
        canonical_link="https://example.org/a",
        identity=("guid:one\x1fg", "url:https://example.org/a"),
        outlet="example.org",
        entities=(entity,) if matched else (),
    )


def test_an_analysed_item_pickles_back_to_itself_field_by_field() -> None:
    for matched in (True, False):
        analysed = _analysed(matched=matched)
        back = pickle.loads(pickle.dumps(analysed, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == analysed
        for each in fields(Analysed):  # every field in its place, not only equal ones
            assert getattr(back, each.name) == getattr(analysed, each.name), each.name
        assert [e.spans for e in back.entities] == [e.spans for e in analysed.entities]


def test_an_analysed_item_pickles_as_its_constructors_arguments() -> None:
    """No ``BUILD`` step: neither it nor its item goes through a slotted dataclass's
    ``__getstate__``/``__setstate__`` (Python 3.11), the slow way."""
    data = pickle.dumps(_analysed(matched=False), protocol=pickle.HIGHEST_PROTOCOL)
    opcodes = {opcode.name for opcode, _, _ in pickletools.genops(data)}
    assert "REDUCE" in opcodes
    assert "BUILD" not in opcodes
