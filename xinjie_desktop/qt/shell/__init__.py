"""The frame of the window and what every feature shares.

The frame: ``app`` (start, fonts, translations, opening a store in the background), ``main_window``,
``workspace`` (navigation, filter bar, household list and editor), ``setup_dialog``, ``backups_dialog``,
``about_dialog``, ``self_check`` (the Qt part of ``--self-test``) and ``paint_probe``. The shared bottom:
``widgets``, ``settings`` (the QSettings keys and their values) and ``operations`` (the background-
operation wrapper). The frame may import any feature package (only lazily, once a store is open, where
its docstring says so); the shared bottom imports nothing of ``xinjie_desktop.qt`` outside itself and
never the core at import time (the frame is painted before SQLAlchemy is loaded).
"""
