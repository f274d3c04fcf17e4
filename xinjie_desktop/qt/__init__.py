"""The thin Qt layer: windows, dialogs and models over the Qt-free core."""
