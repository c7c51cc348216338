"""Shared fixtures: real local servers, the shared real-feed folder, and the CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import FeedServer, WebhookReceiver

REPO = Path(__file__).resolve().parents[1]
SHARED_FEEDS = REPO.parent / "shared" / "feeds"

# Compiled rule sets are cached per user (monitor.config.rules_cache_dir): the suite keeps its
# cache in the repository's ignored .pytest_cache, shared by every worker and CLI subprocess,
# so the built-in pack is compiled once per run, not once per process.
os.environ["XDG_CACHE_HOME"] = str(REPO / ".pytest_cache" / "xdg-cache")
# The suite talks to servers on 127.0.0.1 only: a proxy in the developer's environment must not
# carry it (monitor.config reads these variables; the proxy tests set their own).
for _name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "TREATYWATCH_STATE_DIR"):
    os.environ.pop(_name, None)
    os.environ.pop(_name.upper(), None)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def shared_feeds() -> Path:
    """The real publisher feeds in ../shared/feeds, read in place (never copied here)."""
    if not (SHARED_FEEDS / "SOURCES.tsv").is_file():
        pytest.skip(f"real feed files not found at {SHARED_FEEDS} (the shared/ folder is absent)")
    return SHARED_FEEDS


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m monitor ARGS`` as a real subprocess."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# End-to-end runs that take over five seconds each on the 2-core reference machine (real CLI
# subprocesses, a service started and stopped, a browser): `make test` leaves them to
# `make test-slow` (run by .ci/run right after it) to stay under five minutes. Each behaviour
# they prove also has a faster test in `make test` or is an end-to-end duplicate of one.
SLOW_END_TO_END = frozenset(
    {
        "tests/monitor/web/test_chromium.py::test_the_demo_dashboard_in_headless_chromium",
        "tests/monitor/test_service.py::test_sigterm_abandons_a_stuck_send_within_the_grace_and_a_restart_delivers_it",
        "tests/monitor/test_service.py::test_sigterm_lets_a_send_in_flight_finish_within_the_grace",
        "tests/monitor/test_service.py::test_a_port_in_use_fails_at_start_with_a_clear_message",
        "tests/monitor/test_delivery_cli.py::test_a_404_and_a_400_end_dead_with_their_reason_and_can_be_retried",
        "tests/monitor/test_delivery_cli.py::test_alerts_test_reports_the_real_outcome",
        "tests/monitor/test_routing.py::test_with_no_channel_configured_only_the_console_exists",
        "tests/rules/test_hostile_rules.py::test_g6_test_rule_and_check_refuse_a_huge_term_with_exit_2",
        "tests/monitor/sources/test_sources_command.py::test_sources_table_and_json_show_health",
        "tests/monitor/test_rule_commands.py::test_replay_reports_stored_items_and_sends_nothing",
        "tests/monitor/test_ops_commands.py::test_healthcheck_against_a_running_service_and_a_dead_port",
        "tests/monitor/test_ops_commands.py::test_poll_export_and_replay_show_progress_on_a_terminal",
        "tests/monitor/test_ops_commands.py::test_healthcheck_finds_the_port_the_service_was_given",
        "tests/monitor/test_summary.py::test_poll_counts_one_item_matched_by_two_rules_once",
        "tests/monitor/test_service_startup.py::test_no_source_reachable_gives_one_summary_and_a_hint",
        "tests/monitor/test_rulepacks_cache.py::test_a_changed_rule_file_is_compiled_again",
        # each compiles the whole built-in pack again (with a rule file of its own, a damaged
        # cache or the generator's view of it): 8-14 s apiece since the pack grew with issue
        # 10's rounds 8 and 9. `make test` keeps a faster test of each behaviour (the custom
        # rule commands, the cache read back, routing refused, the pack's own rules) but the
        # check that names_inflected.yaml is what `make names` writes, which `.ci/run` still
        # runs through `make test-slow`
        "tests/monitor/test_rulepacks_cache.py::test_a_damaged_cache_file_is_ignored_and_replaced",
        "tests/rules/test_pack_generalisation.py::test_the_optional_suspension_rule_is_off_and_works_when_copied",
        "tests/monitor/test_routing.py::test_a_rule_routed_to_an_existing_channel_is_valid",
        "tests/monitor/test_routing.py::test_a_channel_pattern_matching_no_rule_is_warned_about",
        "tests/monitor/test_rule_commands.py::test_custom_rule_file_can_use_builtin_vocabularies",
        "tests/rules/test_names_inflected.py::test_the_generated_file_is_what_the_script_writes",
        # the same for tests added with the rules cache's sections (issue 14), 6-21 s apiece on
        # a fresh clone; `make test` keeps the sections read when first needed, the set read
        # back, and a second process reading it; and the states generator's check (it now also
        # reads the pack's German words)
        "tests/monitor/test_rulepacks_cache.py::test_a_section_whose_cache_file_is_gone_is_compiled_again",
        "tests/monitor/test_rulepacks_cache.py::test_a_rule_set_read_back_pickles_whole",
        "tests/monitor/test_rulepacks_cache.py::test_ids_read_back_from_the_cache_are_shared",
        "tests/monitor/test_rulepacks_cache.py::test_an_unwritable_cache_costs_only_speed",
        "tests/rules/test_pack_states.py::test_the_generated_file_is_what_the_script_writes_from_cldr",
        # a fresh clone's make test had reached 4 min 59 s on an idle machine (issue 10's rounds
        # 12-14 and issue 14's start-up tests): the first start that compiles and caches the
        # pack, a second process reading it back, the set read back answering as compiled on
        # every labelled row (make test keeps each command reading the parts of the cached
        # rules it matches with, test_rules_sections.py), and the issue 11 backtest over the
        # stories (25 s; make test keeps the archive's shape and the alerts a backtest prints)
        "tests/monitor/test_rulepacks_cache.py::test_a_rule_set_compiled_and_cached_is_the_one_read_back",
        "tests/monitor/test_rulepacks_cache.py::test_a_second_process_reads_the_compiled_rules_back",
        "tests/monitor/test_rulepacks_cache.py::test_a_rule_set_read_back_reads_its_sections_when_first_needed",
        "tests/monitor/test_backtest.py::test_backtest_meets_the_issue_11_targets",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    known = {item.nodeid.split("[")[0] for item in items}
    for item in items:
        if item.nodeid.split("[")[0] in SLOW_END_TO_END:
            item.add_marker(pytest.mark.slow)
    # a renamed test must leave this list too, or it would silently move back into make test
    missing = SLOW_END_TO_END - known
    if missing and len(known) > 1000:  # the whole suite was collected
        raise pytest.UsageError(f"tests/conftest.py SLOW_END_TO_END names no test: {missing}")
