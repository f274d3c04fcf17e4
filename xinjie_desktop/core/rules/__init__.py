"""The rules: the plan's policy as pure functions, with no store and no input or output.

The income line, who is a household member, the flags, the identification workflow's checks, the
relocation rules, the housing-plan calculator, dangerous houses, the policy parameters and the plan's
own wording, the vocabulary of choices, money and resident ID numbers.  A rule takes plain values (or
any object with the attributes it names) and returns a result or raises; it never opens a session.

May import: the standard library, ``xinjie_desktop.i18n`` and ``xinjie_desktop.resources`` (the policy
files), and other modules of ``rules``.  Nothing from ``store``, ``records``, ``sync`` or ``documents``.
"""
