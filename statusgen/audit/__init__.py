"""The communication audit: incidents and postmortems held to the doctrine in
docs/audit.md, before anything is published.

Kept import-free: ``statusgen.config`` loads :mod:`statusgen.audit.settings`,
and the rule modules import the model, which must not loop back.
"""
