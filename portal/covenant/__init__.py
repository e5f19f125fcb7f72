"""The covenant: the versioned, accepted document that holds every rule of the chain.

See ``docs/covenant.md``; ask the rules through ``portal.covenant.rules.active_covenant``.
"""
