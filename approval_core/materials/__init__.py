"""Application materials as files: stored outside the web root, hashed into the case records."""
