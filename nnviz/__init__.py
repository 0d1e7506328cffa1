"""nnviz: a desktop lab for watching neural networks learn."""

__version__ = "0.1.0"
