"""The HTTP API (FastAPI) and the `sunlight` command line."""
