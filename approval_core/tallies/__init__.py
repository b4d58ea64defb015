"""Running totals for the watch screens: signed increments kept in the use cases' transactions."""
