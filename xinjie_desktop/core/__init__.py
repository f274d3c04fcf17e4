"""The Qt-free core: rules, store, documents. Nothing here may import PySide6."""
