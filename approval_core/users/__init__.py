"""Users: the people who act on cases, with a role, a department and a bearer token."""
