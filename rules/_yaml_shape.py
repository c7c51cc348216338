"""Refusing YAML whose shape would cost far more than its size, before anything composes it.

Apart from the rule loader so that reading a config (``monitor.config``) needs no more of
``rules`` than this and PyYAML: a ``poll`` whose rules come from the cache never imports the
rule compiler (issue 14).
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_YAML_DEPTH", "MAX_YAML_VALUES", "YamlShapeError", "check_yaml_shape"]


MAX_YAML_DEPTH = 100
"""Nesting deeper than this is refused before composing (PyYAML composes recursively)."""
MAX_YAML_VALUES = 2_000_000
"""A YAML text expanding (aliases counted at each use) to more values than this is refused."""


class YamlShapeError(yaml.composer.ComposerError):
    """YAML refused for its shape (too deep, a self-referring alias, too much expansion)."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(None, None, problem, mark)


def check_yaml_shape(
    text: str,
    *,
    max_depth: int = MAX_YAML_DEPTH,
    max_values: int = MAX_YAML_VALUES,
    loader: Any = yaml.SafeLoader,
) -> None:
    """Refuse YAML that would cost far more than its size before anything composes it: nesting
    deeper than ``max_depth``, an alias to an anchor that encloses it (``x: &a [*a]``), or
    aliases expanding to more than ``max_values`` values (billion laughs). One iterative pass
    over the parser's events; raises :class:`YamlShapeError` (a ``MarkedYAMLError``)
    placed at the offending event, or the reader's or parser's own ``YAMLError``."""
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[0, None]]  # [values inside, anchor] per open collection
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) > max_depth:
                raise YamlShapeError(f"nested more than {max_depth} levels deep", event.start_mark)
            stack.append([1, event.anchor])
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            count, anchor = stack.pop()
            if anchor is not None:
                sizes[anchor] = count
        elif isinstance(event, yaml.ScalarEvent):
            count = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if any(frame[1] == event.anchor for frame in stack):
                raise YamlShapeError(f"alias *{event.anchor} refers to itself", event.start_mark)
            count = sizes.get(event.anchor or "", 1)
        else:
            continue
        stack[-1][0] += count
        if stack[-1][0] > max_values:
            raise YamlShapeError(
                f"aliases expand to more than {max_values:,} values", event.start_mark
            )
