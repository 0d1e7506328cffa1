"""Files nnviz writes and reads, with no Qt: atomic writes, export names, sidecars, saved runs.

The app, the CLI and the tests share these; only ``nnviz.app.export`` turns panels into bytes.
"""
