"""Progress at a glance and the weekly bulletin (issue 18): the township's figures by village, their charts, and
the bulletins kept by week (``progress_view``).

It may import the core and the shell's shared bottom (``widgets``, ``operations``); no other feature and never
the shell's frame: a number clicked is a signal the main window turns into the household list's filter.
"""
