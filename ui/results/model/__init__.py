"""The results views' data, without Qt (tested without widgets)."""
