"""Organisations, professional accounts and portal roles."""
