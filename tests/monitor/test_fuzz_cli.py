"""Our own fuzzer of the documented commands (issue 13, "Keep a fuzzer in the suite"; A32).

Configs (``check``, and ``poll`` when every address is on 127.0.0.1), rule files
(``test-rule --rules``), JSON-lines input (``test-rule --jsonl``) and feed bodies (``poll`` of a
local feed server) are mutated from valid seeds with a fixed seed and a fixed budget, and each
case runs the real CLI in a subprocess. A case fails on any traceback, on an exit code outside
the ones docs/cli.md documents for the command (or a signal), on more than 60 s, or on more
than 1 GB of memory (the process's peak resident size, from ``wait4``).

Slow (a few minutes on 2 cores): ``make test-slow`` runs it, and CI with it. A failing case
prints its kind and index; ``FUZZ_SEED`` and ``FUZZ_SCALE`` (environment) change the seed and
multiply the budget for a longer local hunt.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.support.feeds import Entry, atom, rss
from tests.support.fuzz import TEXT_TOKENS, mutate, mutate_text
from tests.support.servers import FeedServer, Route

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("FUZZ_SEED", "13"))
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
# The budget: cases per kind of input. A mutated rule file is compiled afresh (several seconds);
# configs and JSON lines reuse the compiled rules; feed bodies share one poll.
CONFIGS, RULE_FILES, JSONL_FILES, FEEDS = 32 * SCALE, 10 * SCALE, 16 * SCALE, 32 * SCALE
TIME_LIMIT = 60.0
MEMORY_LIMIT = 1 << 30
RULES = """\
vocabularies:
  fuzz_states:
    terms:
      en: [Estonia, Latvia, Lithuania]
rules:
  - id: test.exit
    title: A state leaves a treaty
    severity: high
    query: '@fuzz_states AND (exit OR withdraw*) AND (treaty OR convention)'
    exclude: 'rumour NEAR/3 exit'
  - id: test.title
    title: A title
    severity: low
    query: 'title:(Ottawa ONEAR/2 Convention)'
"""
JSONL = [
    {"title": "Estonia to exit the Ottawa Convention", "summary": "Tallinn decided."},
    {"title": "Latvia withdraws from the treaty", "url": "https://news.test/a", "language": "en"},
    {"title": "Weather", "summary": "Rain"},
]


@dataclass
class Run:
    what: str
    args: list[str]
    allowed: frozenset[int]
    returncode: int = 0
    seconds: float = 0.0
    peak_bytes: int = 0
    stdout: str = ""
    stderr: str = ""

    def problems(self) -> list[str]:
        found = []
        if "Traceback (most recent call last)" in self.stdout + self.stderr:
            found.append("traceback")
        if self.returncode not in self.allowed:
            found.append(f"exit {self.returncode} (documented: {sorted(self.allowed)})")
        if self.seconds > TIME_LIMIT:
            found.append(f"{self.seconds:.0f} s")
        if self.peak_bytes > MEMORY_LIMIT:
            found.append(f"{self.peak_bytes >> 20} MiB")
        return found


def _execute(run: Run, cwd: Path) -> Run:
    """Run the CLI with ``run.args``; measure time and peak memory (``wait4``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
    out_path, err_path = cwd / f"{id(run)}.out", cwd / f"{id(run)}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", *run.args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > TIME_LIMIT + 5:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
    run.seconds = time.monotonic() - started
    run.returncode = process.returncode
    run.peak_bytes = usage.ru_maxrss * 1024  # kilobytes on Linux
    run.stdout = out_path.read_text(encoding="utf-8", errors="replace")
    run.stderr = err_path.read_text(encoding="utf-8", errors="replace")
    return run


def _config(tmp: Path, port: int, extra: str = "") -> str:
    return f"""\
state_dir: {tmp / "state"}
rules: [{tmp / "rules.yaml"}]
sources:
  - name: a
    url: http://127.0.0.1:{port}/a.xml
    interval: 10m
  - name: b
    url: http://127.0.0.1:{port}/b.html
    type: html
    selectors: {{item: li, title: a, date: time}}
channels:
  - name: screen
    type: console
    min_severity: low
  - name: hook
    type: webhook
    url: http://127.0.0.1:{port}/hook
    headers: {{X-Team: news}}
http:
  deadline: 5s
  user_agent: treatywatch-fuzz
  max_body: 1MiB
polling:
  failures_before_alert: 3
{extra}"""


# Values a careless operator (or a template) writes, as YAML: lone surrogates, NUL and ESC in
# double-quoted strings, infinities and huge durations, bounds, aliases, bad URLs and ports.
CONFIG_VALUES = (
    '"\\ud800"',
    '"a\\u0000b"',
    '"\\u001b[31m"',
    '"\\u202eevil"',
    '"x\\r\\nX-Evil: 1"',
    '"é"',
    ".inf",
    "-.inf",
    ".nan",
    "99999999999999999999d",
    "99999999999999999999",
    "-5s",
    "1ms",
    "0",
    "-1",
    "100GiB",
    "true",
    "null",
    "[]",
    "{}",
    "&a [*a]",
    "'${X:=d}'",
    "'${'",
    "/dev/null",
    "http://[x/",
    "http://127.0.0.1:abc/",
    "http://127.0.0.1:99999/",
    '"http://127.0.0.1\\u0000/"',
    "x" * 2_000,
)
_VALUE = re.compile(r"^(\s*-?\s*[\w_]+:\s)(\S.*)$", re.M)


def _mutate_values(text: str, rng: random.Random, rounds: int) -> str:
    """``text`` (YAML) with ``rounds`` values replaced by hostile ones, plain or as a
    double-quoted YAML string (where ``\\ud800`` or ``\\x00`` escapes reach the parser)."""
    for _ in range(rounds):
        lines = list(_VALUE.finditer(text))
        if not lines:
            break
        line = rng.choice(lines)
        if rng.random() < 0.7:
            value = rng.choice(CONFIG_VALUES)
        elif rng.random() < 0.5:
            value = json.dumps(rng.choice(TEXT_TOKENS))
        else:
            value = line.group(2) + rng.choice(TEXT_TOKENS)  # a suffix on a good value
        text = text[: line.start(2)] + value + text[line.end(2) :]
    return text


_LOCAL_ONLY = re.compile(r"^https?://127\.0\.0\.1:\d+/[\w./-]*$")


def _local_only(text: str) -> bool:
    """Whether every address in a config is a plain URL on 127.0.0.1 (so ``poll`` may run it
    without reaching anything else); mutations that touch an address make it ``check``-only."""
    urls = re.findall(r"[A-Za-z][\w+.-]*://\S*", text)
    hosts = re.findall(r"(?:host|proxy|ca_bundle|no_proxy)\s*:", text)
    return not hosts and all(_LOCAL_ONLY.match(url) for url in urls)


def _feed_bodies(rng: random.Random, port: int) -> list[bytes]:
    entries = [
        Entry(
            f"{state} to exit the Ottawa Convention {i}",
            f"https://news.test/{i}",
            summary="<p>Text &amp; more</p>",
            guid=f"g{i}",
        )
        for i, state in enumerate(["Estonia", "Latvia", "Lithuania", "Finland"])
    ]
    seeds = [rss(entries), atom(entries)]
    json_feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [{"id": e.guid, "title": e.title, "url": e.link} for e in entries],
    }
    seeds.append(json.dumps(json_feed).encode())
    shared = REPO.parent / "shared" / "feeds"
    if shared.is_dir():
        seeds += [
            p.read_bytes()
            for p in sorted(shared.iterdir())
            if p.suffix in (".xml", ".rss", ".atom", ".rdf") and p.stat().st_size < 60_000
        ][:20]
    return [mutate(rng.choice(seeds), rng, rng.randrange(1, 10)) for _ in range(FEEDS)]


def _cases(tmp: Path, port: int, server: FeedServer) -> list[Run]:
    rng = random.Random(SEED)
    runs: list[Run] = []
    (tmp / "rules.yaml").write_text(RULES, encoding="utf-8")
    base = _config(tmp, port)
    (tmp / "config-base.yaml").write_text(base, encoding="utf-8")
    runs.append(
        Run("config base poll", ["poll", "--config", str(tmp / "config-base.yaml")], frozenset({0}))
    )
    # configs: check always; poll when every address stays on 127.0.0.1
    for index in range(CONFIGS):
        if index % 4 == 3:
            text = mutate_text(base, rng, rng.randrange(1, 3))
        else:
            text = _mutate_values(base, rng, rng.randrange(1, 3))
        path = tmp / f"config-{index}.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        runs.append(Run(f"config {index}", ["check", "--config", str(path)], frozenset({0, 2})))
        if _local_only(text) and index % 3 == 0:
            runs.append(
                Run(f"config {index} poll", ["poll", "--config", str(path)], frozenset({0, 1, 2}))
            )
    # rule files
    for index in range(RULE_FILES):
        path = tmp / f"rules-{index}.yaml"
        text = (mutate_text if index % 2 else _mutate_values)(RULES, rng, rng.randrange(1, 3))
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        runs.append(
            Run(
                f"rules {index}",
                ["test-rule", "--rules", str(path), "--text", "Estonia to exit the Ottawa treaty"],
                frozenset({0, 2}),
            )
        )
    # JSON lines: mutated lines among good ones, and hostile shapes
    hostile = [
        "[" * 5_000 + "]" * 5_000,
        '{"title": "' + "9" * 5_000 + '"}',
        '{"title": 1' + "0" * 5_000 + "}",
        '{"title": "\\ud800"}',
        '{"title": null, "summary": []}',
        "",
        "\x00",
    ]
    for index in range(JSONL_FILES):
        lines = [json.dumps(rng.choice(JSONL)) for _ in range(5)]
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(lines))
            lines[at] = rng.choice([mutate_text(lines[at], rng, 2), rng.choice(hostile)])
        data = "\n".join(lines).encode("utf-8", "surrogatepass")
        if rng.random() < 0.3:
            data = mutate(data, rng, 2)  # bytes that are not UTF-8
        path = tmp / f"input-{index}.jsonl"
        path.write_bytes(data)
        runs.append(
            Run(
                f"jsonl {index}",
                ["test-rule", "--rules", str(tmp / "rules.yaml"), "--jsonl", str(path)],
                frozenset({0, 2}),
            )
        )
    # feed bodies: one poll over many sources, each serving a mutated body
    bodies = _feed_bodies(rng, port)
    feeds = tmp / "feeds.yaml"
    sources = []
    for index, body in enumerate(bodies):
        server.routes[f"/f{index}"] = Route(body, content_type="application/xml")
        kind = ["feed", "feed", "html", "sitemap"][index % 4]
        extra = ", selectors: {item: 'li, item, entry'}" if kind == "html" else ""
        sources.append(
            f"  - {{name: f{index}, url: 'http://127.0.0.1:{port}/f{index}', type: {kind}{extra}}}"
        )
    feeds.write_text(
        f"state_dir: {tmp / 'feeds-state'}\nrules: [{tmp / 'rules.yaml'}]\nsources:\n"
        + "\n".join(sources)
        + "\nchannels:\n  - {name: screen, type: console, min_severity: low}\n"
        + "http: {deadline: 10s, parse_workers: 1}\n",
        encoding="utf-8",
    )
    runs.append(Run("feed bodies poll", ["poll", "--config", str(feeds)], frozenset({0})))
    return runs


def test_the_cli_survives_fuzzed_configs_rules_json_lines_and_feeds(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Issue 13 (keep a fuzzer), A32, G6: every fuzzed case ends with a documented exit code,
    no traceback, within 60 s and 1 GB."""
    port = feed_server.port
    feed_server.routes["/a.xml"] = Route(
        rss([Entry("Estonia to exit the treaty", "https://n.t/a")])
    )
    feed_server.routes["/b.html"] = Route(
        b'<ul><li><a href="/x">Latvia to exit the treaty</a><time>2025-03-18</time></li></ul>',
        content_type="text/html",
    )
    runs = _cases(tmp_path, port, feed_server)
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda run: _execute(run, tmp_path), runs))
    tally = Counter((run.what.split()[0], run.returncode) for run in done)
    print("fuzzed cases (input, exit code): count", dict(sorted(tally.items())))
    failures = []
    for run in done:
        problems = run.problems()
        if problems:
            tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
            failures.append(f"{run.what}: {', '.join(problems)}: {' | '.join(tail)[:400]}")
    assert not failures, f"{len(failures)} of {len(done)} cases failed:\n" + "\n".join(failures)
