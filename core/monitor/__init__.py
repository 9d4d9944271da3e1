"""``opendeck monitor``: the headless fleet watcher and its Prometheus metrics.

* :mod:`.metrics` -- the ``opendeck_*`` series, updated from typed events and ring samples
* :mod:`.runner` -- opens the contexts, samples, polls GetGlobalState, retries on a slow cap
* :mod:`.httpd` -- ``/metrics`` and ``/healthz`` on the monitor's own event loop
* :mod:`.exposition` -- text format 0.0.4 as prometheus_client writes it, with render caches
* :mod:`.logline` -- one stderr line per state change (logfmt or JSON)
* :mod:`.cli` -- the command line
"""
