"""pactwatch pipeline: ingest -> extract -> check -> report, plus batch, watch, store and CLI."""

__version__ = "0.1.0"
