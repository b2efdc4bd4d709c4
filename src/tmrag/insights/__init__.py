"""The owner's loop: reader feedback, the opt-in question log, and the insights built from them."""
