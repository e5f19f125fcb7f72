"""Retention: personal data erased on the covenant's schedule after a case closes."""
