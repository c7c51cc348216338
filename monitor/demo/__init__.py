"""``treatywatch demo``: bundled sample feeds served on 127.0.0.1 and the real service run
against them, so a newcomer sees alerts, a story gathering reports, near misses left alone and
a failing source within half a minute, without a network or a config of their own."""

from monitor.demo.runner import Recap, demo_settings, recap, recap_lines, run_demo
from monitor.demo.samples import Sample, load_samples, render
from monitor.demo.server import SampleServer

__all__ = [
    "Recap",
    "Sample",
    "SampleServer",
    "demo_settings",
    "load_samples",
    "recap",
    "recap_lines",
    "render",
    "run_demo",
]
