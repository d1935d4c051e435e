"""Imported by the fork server (run.PRELOAD), never by anything else: it builds the extractors' rules and the
spaCy pipeline there, so every worker forks with them ready (sharing their pages) instead of spending ~0.3 s
and ~7 MB of its own on each start. A failure here is left for the worker's own warm-up to report: an
exception other than ImportError would end the fork server, and with it the pool."""
try:
    from .run import _warm_up
    _warm_up()
except Exception:  # noqa: BLE001
    pass
