"""The sandbox's time: AWS's durations, each a real figure multiplied by the time scale
TRDR_SANDBOX_TIME_SCALE (default 0.01, so a five-minute promotion takes 3 s). Each service module
registers its durations here, so GET /_trdr/config reports them all."""

import os
import threading
import time

SCALE = float(os.environ.get("TRDR_SANDBOX_TIME_SCALE", "0.01"))

# One lock for the layer's state: rules of different services read each other's (an outage
# affects Route 53's checkers, an MRSC write the replicas).
lock = threading.RLock()

# name → real seconds
REAL_SECONDS = {}


def duration(name, seconds):
    """Registers one of AWS's durations (real seconds); returns its name."""
    REAL_SECONDS[name] = float(seconds)
    return name


def scaled(name):
    return REAL_SECONDS[name] * SCALE


class Timeline:
    """One object's transitional state: `status` until `until` (monotonic seconds)."""

    def __init__(self, status, seconds, **extra):
        self.status = status
        self.start = time.monotonic()
        self.until = self.start + seconds
        self.extra = extra

    def active(self):
        return time.monotonic() < self.until

    def progress(self):
        span = self.until - self.start
        return 1.0 if span <= 0 else (time.monotonic() - self.start) / span
