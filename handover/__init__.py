"""Referrals between partners, the escalation ladder, inboxes, SLA timers and joint decisions."""
