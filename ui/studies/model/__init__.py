"""The study views' data, without Qt (tested without widgets)."""
