"""``python -m nnviz.worker --fd N``: the training worker process (``nnviz.worker.child``)."""

import sys

from nnviz.worker.child import main

if __name__ == "__main__":
    sys.exit(main())
