"""Prometheus metrics: what the processes count, and what /metrics shows.

Counters and the latency histogram live in the process that sees the event
(a worker sends, the web process takes a wrong PIN), in prometheus-client's
multiprocess mode: each process writes its own files under
PROMETHEUS_MULTIPROC_DIR (HUSHPOST_DATA_DIR/metrics, set up by the CLI for
every process it starts, hushpost/metrics/process.py), and /metrics in any web
process adds them all up. The queue's depth and age and the scheduler's lag
are read from the database at scrape time instead (metrics/database.py): the
rows are the queue, so that is the truth, whichever process is alive.

Nothing here has a label that could hold a person's data: channel, status
and the app serving a request, all from short fixed lists.

This package's __init__ imports nothing: the CLI imports process.py before
prometheus-client may load (it reads PROMETHEUS_MULTIPROC_DIR on import).
"""
