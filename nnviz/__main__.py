"""``python -m nnviz``: the same entry point as the ``nnviz`` command."""

import sys

from nnviz.cli import main

if __name__ == "__main__":
    sys.exit(main())
