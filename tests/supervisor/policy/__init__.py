"""Tests of the policy tools: `sunlight rules` check, schema, test, explain and reload."""
