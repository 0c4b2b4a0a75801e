"""Starts MiniStack with trdr's realistic layer (realistic.py) installed in its process."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Step Functions waits and retry pauses scale with the layer's durations.
os.environ.setdefault("SFN_WAIT_SCALE", os.environ.get("TRDR_SANDBOX_TIME_SCALE", "0.01"))

import realistic  # noqa: E402

realistic.install()

from ministack.app import main  # noqa: E402

main()
