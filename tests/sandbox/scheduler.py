"""EventBridge Scheduler: MiniStack's Scheduler fires schedules for real; here its rate
expressions run at the sandbox's time scale and are swept often enough for them, and a region in
an outage fires nothing (EventBridge Scheduler User Guide, schedule types: rate expressions, at
least one minute)."""

from . import outage
from .clock import SCALE, lock


def install():
    """Scheduler's rate expressions at the sandbox's time scale, swept often enough for them."""
    from ministack.services import eventbridge as eb
    from ministack.services import scheduler

    real = eb._parse_rate_seconds

    def scaled_rate(expr):
        seconds = real(expr)
        return None if seconds is None else seconds * SCALE

    eb._parse_rate_seconds = scaled_rate
    scheduler._SCHEDULE_TICK_INTERVAL = max(0.05, min(10.0, 10 * SCALE))

    tick = scheduler._tick_schedules

    def tick_where_up():
        # A region in an outage fires nothing: take its schedules out of this sweep.
        with lock:
            down = set(outage.regions_down)
        if not down:
            return tick()
        hidden = {k: v for k, v in scheduler._schedules._data.items() if k[1] in down}
        for k in hidden:
            scheduler._schedules._data.pop(k, None)
        try:
            return tick()
        finally:
            scheduler._schedules._data.update(hidden)

    scheduler._tick_schedules = tick_where_up
