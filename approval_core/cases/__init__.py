"""Cases: the application, its workflow (a state machine declared as data) and its services."""
