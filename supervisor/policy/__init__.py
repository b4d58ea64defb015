"""Tools for policy staff: rule tests with coverage, and explanations of a case's verdicts."""
