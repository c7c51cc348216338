"""docs/delivery.md's YAML examples are valid configs, and every payload type treatywatch sends
validates against the published JSON schema (docs/alert-payload.schema.json)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml

from monitor.config import parse_settings
from monitor.digest import digest_payload, ops_payload
from monitor.digest import test_payload as make_test_payload
from tests.monitor.channels.conftest import SECRET, alert

DOCS = Path(__file__).resolve().parents[3] / "docs"
NOW = datetime(2025, 3, 18, 10, 0, tzinfo=UTC)


def _examples() -> list[str]:
    text = (DOCS / "delivery.md").read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("example", _examples())
def test_docs_yaml_examples_are_valid_configs(example: str) -> None:
    environ = {
        name: "https://hooks.example/x" if name.endswith("_URL") else "value"
        for name in re.findall(r"\$\{([A-Z_]+)\}", example)
    }
    environ.update({k: SECRET for k in environ if k.endswith("_SECRET")})
    parse_settings(yaml.safe_load(example), environ=environ)


def test_every_payload_type_matches_the_schema() -> None:
    schema = json.loads((DOCS / "alert-payload.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    payloads = [
        alert(),
        alert(type="follow_up", url=None, published=None),
        ops_payload(alert_id="ops_1", title="t", summary="s", channel="c", now=NOW),
        make_test_payload(alert_id="test_1", channel="c", now=NOW),
        digest_payload(
            digest_id="dgst_1",
            channel="c",
            start=NOW,
            end=NOW,
            members=[("alrt_1", json.dumps(alert())), ("alrt_2", "not json")],
            created=NOW,
        ),
    ]
    for payload in payloads:
        validator.validate(payload)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(alert(severity="extreme"))
