"""The legal clock (DOMAIN.md section 3): a pure function of a case's events and an as-of moment."""
