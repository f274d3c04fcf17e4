"""xinjie-desktop: offline work tool for the Xinjie Township rectification plan (2017)."""

__version__ = "0.1.0"
