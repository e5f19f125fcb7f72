"""Statistics for the chain partners: aggregate counts, never personal data."""
