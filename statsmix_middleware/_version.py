"""The one version number shared by every distribution of this repository."""

__version__ = "0.1.0"
