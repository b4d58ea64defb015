"""Tests of uploaded application materials."""
