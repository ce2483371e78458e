"""What a node counts for monitoring, in Prometheus's format (``prometheus_client``), served at ``/metrics``.

Each app has a registry of its own, so that several apps in one process (the
tests) keep apart.  Counting is cheap and done where things happen: frames in
by the relay, frames out and fan-out time by ``Hub.deliver``, batch sizes by
the group commit.  What is a state rather than an event (open connections,
the queue's length) is read from the hub when Prometheus asks, at no cost in
between.

The counters and histograms are our own (``Counted``, ``Timed``), read by
``prometheus_client`` when it is asked: its own took a lock and looked up the
labels at every count, several of them for every message (~6 % of the hub's
time at saturation, bench.load).  Ours are a plain number, or a list of
buckets, kept per set of labels; they are counted on the hub's thread only
(every greenlet of it), so they need no lock.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

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


class _Count:
    """One counter's value, for one set of labels."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1) -> None:
        self.value += amount


class _Spread:
    """One histogram's observations, for one set of labels: how many fell in each bucket, and their sum."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last: above every bound (+Inf)
        self.sum = 0.0

    def observe(self, amount: float) -> None:
        self.counts[bisect_left(self.bounds, amount)] += 1  # the first bucket whose bound is >= amount
        self.sum += amount


class _Family(Collector):
    """A metric with labels: one child per set of label values, made on first use; a metric without labels is
    its own only child (``inc``/``observe`` on it)."""

    def __init__(self, registry: CollectorRegistry, name: str, documentation: str, labels: tuple[str, ...]) -> None:
        self.name, self.documentation, self.labelnames = name, documentation, labels
        self._children: dict[tuple[str, ...], _Count | _Spread] = {}
        registry.register(self)

    def _child(self) -> _Count | _Spread:
        raise NotImplementedError

    def _labels(self, values: tuple[str, ...]) -> _Count | _Spread:
        child = self._children.get(values)
        if child is None:
            if len(values) != len(self.labelnames):
                raise ValueError(f"{self.name} takes the labels {self.labelnames}, not {values}")
            child = self._children[values] = self._child()
        return child


class Counted(_Family):
    """A counter (``relaydesk_…_total``), as ``prometheus_client.Counter`` counts it, for a fraction of its cost."""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...] = (), *,
                 registry: CollectorRegistry) -> None:
        super().__init__(registry, name, documentation, labels)

    def _child(self) -> _Count:
        return _Count()

    def labels(self, *values: str) -> _Count:
        return self._labels(values)  # type: ignore[return-value]

    def inc(self, amount: float = 1) -> None:
        self.labels().inc(amount)

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, child in list(self._children.items()):
            assert isinstance(child, _Count)
            family.add_metric(list(values), child.value)
        yield family


class Timed(_Family):
    """A histogram (``_bucket``, ``_count``, ``_sum``), as ``prometheus_client.Histogram`` keeps it."""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...] = (), *,
                 buckets: tuple[float, ...], registry: CollectorRegistry) -> None:
        self.bounds = tuple(sorted(buckets))
        super().__init__(registry, name, documentation, labels)
        if not labels:
            self.labels()  # shown from the start, as prometheus_client shows one without labels

    def _child(self) -> _Spread:
        return _Spread(self.bounds)

    def labels(self, *values: str) -> _Spread:
        return self._labels(values)  # type: ignore[return-value]

    def observe(self, amount: float) -> None:
        self.labels().observe(amount)

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, child in list(self._children.items()):
            assert isinstance(child, _Spread)
            counts, total, buckets = list(child.counts), 0, []
            for bound, count in zip((*self.bounds, float("inf")), counts, strict=True):
                total += count
                buckets.append((floatToGoString(bound), total))
            family.add_metric(list(values), buckets, child.sum)
        yield family


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
        self.frames_in = Counted("relaydesk_frames_in", "Frames received from clients, by role and type.",
                                 ("role", "type"), registry=r)
        self.frames_out = Counted("relaydesk_frames_out", "Frames handed to connections' writers, by type.",
                                  ("type",), registry=r)
        self.answer_seconds = Timed(
            "relaydesk_answer_seconds", "From a client's frame read to its answers handed to the writers (for a "
            "message, its ack: stored on disk first).", ("type",), buckets=LATENCY_BUCKETS, registry=r)
        self.fan_out_seconds = Timed(
            "relaydesk_fan_out_seconds", "Time to hand one delivery's frames to every recipient's writer.",
            buckets=LATENCY_BUCKETS, registry=r)
        self.commit_batch = Timed("relaydesk_commit_batch_events", "Events stored by one group commit.",
                                  buckets=BATCH_BUCKETS, registry=r)
        self.errors = Counted("relaydesk_errors", "Error frames sent to clients, by code (rate-limited included).",
                              ("code",), registry=r)
        self.rate_limited = Counted("relaydesk_rate_limited", "Frames refused for coming too fast, by role.",
                                    ("role",), registry=r)

    def watch(self, read: Callable[[], tuple[dict[str, int], int]]) -> None:
        """Report ``read()``'s open connections by role and queue length at each scrape."""
        self.registry.register(_State(read))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
