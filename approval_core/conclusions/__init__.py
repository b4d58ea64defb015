"""Conclusions (办结): one row per concluded case with its timeliness, for statistics."""
