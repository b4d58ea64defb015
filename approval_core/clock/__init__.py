"""The legal clock (docs/DOMAIN.md §3): a pure function of a case's events and an as-of moment."""
