"""Accounts (issue 17): the administrators' list of accounts (add, new password, lock, unlock) and one's own
password.  Imports the core and the shell's shared bottom (``widgets``); no other feature, never the frame."""
