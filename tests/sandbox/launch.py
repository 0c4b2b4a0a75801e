"""Starts MiniStack with trdr's realistic layer (realistic.py) installed in its process.

TRDR_SANDBOX_REALISM=0 starts plain MiniStack instead (to compare; the test suite never does).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if os.environ.get("TRDR_SANDBOX_REALISM", "1") != "0":
    os.environ.setdefault("SFN_WAIT_SCALE", os.environ.get("TRDR_SANDBOX_TIME_SCALE", "0.01"))
    import realistic

    realistic.install()

from ministack.app import main  # noqa: E402

main()
