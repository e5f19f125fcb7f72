"""Steering figures: how the covenant is doing, for its steering group and per partner.

Counted from non-personal columns, small cells suppressed, as a page with a chart and
tables and as a CSV file (``service``, ``views``); the referrals' figures from a nightly
rollup, corrected for what changed since (``rollup``, ``models``).
"""
