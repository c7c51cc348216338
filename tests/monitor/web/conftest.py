"""The seeded store fixture for the web tests (see tests/support/seed.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.app import App
from tests.support.seed import seeded_store
from tests.support.servers import FeedServer, WebhookReceiver


@pytest.fixture
def seeded(tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver) -> Iterator[App]:
    with seeded_store(tmp_path, feed_server, receiver) as app:
        yield app
