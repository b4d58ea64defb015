"""System alerts to administrators (e.g. a calendar year not entered yet), one per cause."""
