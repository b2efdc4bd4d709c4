"""tmrag: grounded Q&A over the Transformer Math wiki."""

__version__ = "0.1.0"
