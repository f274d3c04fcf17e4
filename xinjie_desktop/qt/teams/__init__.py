"""The work teams on the screen (issue 20): a member's day, the visit log with its form, the meetings, the weekly
report's draft (``teams_view``).

It may import the core and the shell's shared bottom (``widgets``); no other feature and never the shell's frame.
"""
