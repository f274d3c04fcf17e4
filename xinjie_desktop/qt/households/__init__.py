"""A household's records on the screen: the household list model, the household editor (a frame with
one class per tab: basic information, members, income, workflow, national-system record, attachments),
the member table model and the attachment panel.

It may import the core, the shell's shared bottom (``widgets``, ``settings``, ``operations``) and the
two features whose tabs the editor holds (``relocation``, ``agreements``); never the shell's frame, nor
``notices`` or ``sync``.
"""
