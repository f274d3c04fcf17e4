"""Sync: every laptop's work carried to the township office and back by USB stick.

This device's identity and keys, the change journal (a version per field on a hybrid logical clock),
the ``.xjb`` bundle's format and sealing, export, the import's staging and checks, merge, conflicts and
possible duplicates, the sync board, the USB-safe write.  ``sync.workstore.open_store`` opens a store
for work: the store of ``store.database`` with the journal and the staging schema installed.

May import: ``rules``, ``store``, ``records`` and ``documents``.  Nothing imports sync but the command
line, the self-test and the window.
"""
