"""The record of who did what on the screen (issue 17): the table of changes with its filters, for 纪检/审计 and
the township's administration (``audit_view``).

It may import the core and the shell's shared bottom (``widgets``, ``field_labels``); no other feature and never
the shell's frame.
"""
