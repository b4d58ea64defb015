"""Receipts and notices (回执、告知书): derived from a case's records, printable, verifiable."""
