"""The product's version: one place for the CLIs' --version, the desktop's About, the wheel,
the bundle and the .deb (pyproject reads it)."""

__version__ = "0.1.0"
