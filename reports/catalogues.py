"""The format of a file of texts (the bot's message catalogue, the report texts): a YAML mapping of keys to their
text in each language, in which a key given twice is refused.  PyYAML keeps the last of two equal keys silently, so a
second ``retention_reports_kept`` would quietly replace the first everywhere it is used.

``parse_texts`` takes the file's text, not its path: whoever holds the file reads it (``reports.resources`` and
``flows.resources`` for the packages' own texts, ``bot`` for the translator's files).  The one parser of both.
"""

from __future__ import annotations

import yaml

__all__ = ["parse_texts"]


class _UniqueKeys(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping."""


def _unique_mapping(loader: _UniqueKeys, node: yaml.MappingNode) -> dict[object, object]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ValueError(f"line {key_node.start_mark.line + 1}: the key {key!r} is given twice")
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def parse_texts(text: str, source: str, what: str = "message keys") -> dict[object, object]:
    """A file of texts as read from YAML, a key given twice refused: ValueError naming ``source`` (the file's name)
    when it is not such a mapping."""
    try:
        raw = yaml.load(text, Loader=_UniqueKeys)  # noqa: S506 - a SafeLoader
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{source}: {exc}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: expected a mapping of {what}")
    return raw
