"""Sync by USB bundles on the screen: provisioning a village laptop, export and import dialogs, the
sync board and the conflicts view, and what they share (``sync_common``: the USB stick picker, local
times, role names).

It may import the core and the shell's shared bottom (``widgets``, ``settings``, ``operations``); no
other feature and never the shell's frame. Inside it, ``sync_common`` is at the bottom: the dialogs
import it, it imports none of them.
"""
