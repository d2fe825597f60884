"""Runnable example apps, tracked with StatsMix, and ``make demo``."""
