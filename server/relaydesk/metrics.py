"""What a node counts for monitoring, in Prometheus's format (``prometheus_client``), served at ``/metrics``.

Each app has a registry of its own, so that several apps in one process (the
tests) keep apart.  Counting is cheap and done where things happen: frames in
by the relay, frames out and fan-out time by ``Hub.deliver``, batch sizes by
the group commit.  What is a state rather than an event (open connections,
the queue's length) is read from the hub when Prometheus asks, at no cost in
between.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Latencies on the hub are milliseconds when all is well and seconds when it is not.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def frame_type(frame: str | bytes) -> str:
    """The type of an encoded server frame: binary frames are screen pictures; text frames begin with their type
    (``protocol.encode`` writes it first)."""
    if isinstance(frame, bytes):
        return "screen-image"
    if frame.startswith('{"type":"'):
        end = frame.find('"', 9)
        if end > 9:
            return frame[9:end]
    return "other"


class _State(Collector):
    """Gauges read when scraped: ``read()`` returns open connections by role and the queue's length."""

    def __init__(self, read: Callable[[], tuple[dict[str, int], int]]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        connections, queued = self.read()
        open_ = GaugeMetricFamily("relaydesk_connections", "Open websockets, by role.", labels=["role"])
        for role, count in sorted(connections.items()):
            open_.add_metric([role], count)
        yield open_
        yield GaugeMetricFamily("relaydesk_queue_length", "Customers waiting in the queue.", value=queued)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)  # CPU seconds, resident memory, open file descriptors
        self.frames_in = Counter("relaydesk_frames_in", "Frames received from clients, by role and type.",
                                 ["role", "type"], registry=r)
        self.frames_out = Counter("relaydesk_frames_out", "Frames handed to connections' writers, by type.",
                                  ["type"], registry=r)
        self.answer_seconds = Histogram(
            "relaydesk_answer_seconds", "From a client's frame read to its answers handed to the writers (for a "
            "message, its ack: stored on disk first).", ["type"], buckets=LATENCY_BUCKETS, registry=r)
        self.fan_out_seconds = Histogram(
            "relaydesk_fan_out_seconds", "Time to hand one delivery's frames to every recipient's writer.",
            buckets=LATENCY_BUCKETS, registry=r)
        self.commit_batch = Histogram("relaydesk_commit_batch_events", "Events stored by one group commit.",
                                      buckets=BATCH_BUCKETS, registry=r)
        self.errors = Counter("relaydesk_errors", "Error frames sent to clients, by code (rate-limited included).",
                              ["code"], registry=r)
        self.rate_limited = Counter("relaydesk_rate_limited", "Frames refused for coming too fast, by role.",
                                    ["role"], registry=r)

    def watch(self, read: Callable[[], tuple[dict[str, int], int]]) -> None:
        """Report ``read()``'s open connections by role and queue length at each scrape."""
        self.registry.register(_State(read))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
