"""Golden-question evaluation: pure metrics, a runner over the answering path, reports."""
