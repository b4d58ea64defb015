"""Receipts and notices: content, rendering, verification and the API."""
