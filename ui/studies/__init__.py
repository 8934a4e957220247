"""The study panel and the claims dialog."""
