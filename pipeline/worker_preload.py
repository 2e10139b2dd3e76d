"""Imported once by the forkserver that forks pactwatch's workers: loads and warms the pipeline,
so every worker (and every replacement for a killed one) starts ready in milliseconds."""

from pipeline.worker import warm_up

warm_up()
