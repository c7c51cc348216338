"""The pure policies of the service: decisions on data, no clock, no I/O, no shell imports.

``monitor.core`` may import ``rules``, ``state``'s plain records and the standard library, and
nothing else of ``monitor`` outside ``monitor.core`` (a test checks it). The shell — sources,
the poller, the recorder, channels, the CLI — calls these functions and does the I/O.
"""
