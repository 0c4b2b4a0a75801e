"""Starts MiniStack with trdr's realistic layer (the `sandbox` package here) installed in its
process."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The layer is the package `sandbox` (this folder): import it from its parent, and keep this folder
# itself off the path, so that its modules (rds, dynamodb, ...) never shadow another's.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
sys.path.insert(0, os.path.dirname(HERE))

# Step Functions waits and retry pauses scale with the layer's durations.
os.environ.setdefault("SFN_WAIT_SCALE", os.environ.get("TRDR_SANDBOX_TIME_SCALE", "0.01"))

from sandbox import realistic  # noqa: E402

realistic.install()

from ministack.app import main  # noqa: E402

main()
