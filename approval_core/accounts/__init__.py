"""Applicant accounts of the online service hall: log-in names, password hashes, lockout and
browser sessions. An account is a `users` row of role applicant plus its credentials here."""
