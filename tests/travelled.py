"""``python -m tests.travelled MODULE ARGS...``: run MODULE on the test run's clock.

The broker tests start their Celery worker this way, so that a suite run with ``--travel-to``
has the worker agree with the tests about what day it is.
"""

import runpy
import sys

from tests import clock

if __name__ == "__main__":
    clock.start_from_environment()
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
