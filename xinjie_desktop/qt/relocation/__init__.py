"""Relocation on the screen: the editor's relocation tab (verification, housing plan) and the housing
calculator it opens.

It may import the core and the shell's shared bottom (``widgets``, ``settings``, ``operations``); no
other feature and never the shell's frame.
"""
