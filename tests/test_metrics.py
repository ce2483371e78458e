"""Our own counters and histograms read as prometheus_client's own would, for the same counts."""

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from relaydesk.metrics import LATENCY_BUCKETS, Counted, Timed


def samples(registry: CollectorRegistry) -> list[str]:
    """The exposition's lines, without prometheus_client's ``_created`` times (ours keep none)."""
    return [line for line in generate_latest(registry).decode().splitlines() if "_created" not in line]


def test_counts_and_spreads_read_as_prometheus_clients_own():
    theirs, ours = CollectorRegistry(), CollectorRegistry()
    counters = [Counter("t_frames", "Frames.", ["role", "type"], registry=theirs),
                Counted("t_frames", "Frames.", ("role", "type"), registry=ours)]
    timings = [Histogram("t_seconds", "Time.", ["type"], buckets=LATENCY_BUCKETS, registry=theirs),
               Timed("t_seconds", "Time.", ("type",), buckets=LATENCY_BUCKETS, registry=ours)]
    plain = [Histogram("t_batch", "Batch.", buckets=(1, 2, 4), registry=theirs),
             Timed("t_batch", "Batch.", buckets=(1, 2, 4), registry=ours)]
    for counter in counters:
        counter.labels("customer", "say").inc()
        counter.labels("customer", "say").inc(3)
        counter.labels("rep", "accept").inc()
    for timing in timings:
        for value in (0.0001, 0.0005, 0.0007, 0.001, 0.02, 3.0, 11.0, 0.0005):  # on a bound, between, above all
            timing.labels("say").observe(value)
        timing.labels("hello").observe(0.004)
    for batch in plain:
        for size in (1, 2, 3, 4, 5, 100):
            batch.observe(size)
    assert samples(ours) == samples(theirs)


def test_a_histogram_without_labels_shows_from_the_start_and_labels_are_checked():
    theirs, ours = CollectorRegistry(), CollectorRegistry()
    Histogram("t_batch", "Batch.", buckets=(1, 2), registry=theirs)
    Timed("t_batch", "Batch.", buckets=(1, 2), registry=ours)
    assert samples(ours) == samples(theirs)
    counted = Counted("t_errors", "Errors.", ("code",), registry=ours)
    with pytest.raises(ValueError):
        counted.labels("a", "b")
