"""The training worker process: the child side of the window's training runs.

The window (``nnviz.app.process_worker``) starts ``python -m nnviz.worker --fd N`` in a fresh
interpreter and speaks to it over one socket with the pickle-free frames of
:mod:`nnviz.io.wire`: commands one way, snapshots and events the other. The child builds each
run's session by scenario name through the registry and runs the same ``train()`` generator
the CLI and the tests run. Nothing here imports Qt.
"""
