"""Agreements on the screen: the editor's agreements tab, the signing dialog and its signature pad.

It may import the core and the shell's shared bottom (``widgets``, ``settings``, ``operations``); no
other feature and never the shell's frame.
"""
