"""The thin Qt layer: windows, dialogs and models over the Qt-free core, grouped by feature.

``shell/`` is the frame (application, main window, workspace, set-up, backups, about) and, at its
bottom, what every feature shares (widgets, settings keys, the background-operation wrapper).
``households/``, ``relocation/``, ``agreements/``, ``notices/`` and ``sync/`` are the features. The
rule (``[tool.importlinter]`` in pyproject.toml): the shell's frame may import the features, the
features import the shell's shared bottom, never the frame, and a feature imports another only where
its package docstring says so.
"""
