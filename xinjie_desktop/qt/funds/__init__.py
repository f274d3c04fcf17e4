"""Relocation funds (issue 19): the ledger, the payments to households and the checks of FD-2, in one dialog
(``funds_view.FundsDialog``) opened from the main window's File menu.

It may import the core and the shell's shared bottom (``widgets``); no other feature and never the shell's frame."""
