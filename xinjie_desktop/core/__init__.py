"""The Qt-free core, in five rooms: ``rules`` (pure policy), ``store`` (the SQLite file), ``records`` (the
services that write a household's records), ``sync`` (the USB bundles) and ``documents`` (the PDFs).

Layers, lowest first: rules, store, records, sync; documents depend on rules only.  Nothing here imports
PySide6.  docs/architecture.md is the map; pyproject.toml's import contracts hold it.
"""
