"""A village's documents: the village documents dialog (all agreements or notice sheets of a village as
one PDF, rendered in the background, and the public notices with their objections and audit result).

It may import the core and the shell's shared bottom (``widgets``, ``settings``, ``operations``); no
other feature and never the shell's frame.
"""
