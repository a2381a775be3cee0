"""Per-channel action rate limit (Twilio's 429 / 50063): a token bucket per channel in this
process. With several workers each one has its buckets, so the effective limit is per worker."""

import threading
import time

from .errors import ChatError

TOO_MANY_ACTIONS = 50063
MAX_BUCKETS = 100_000  # forget full buckets beyond this many channels


class ChannelRate:
    def __init__(self, per_second: int, burst: int):
        self.per_second = per_second
        self.burst = max(burst, 1)
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, at)

    def take(self, channel_sid: str) -> None:
        """Spend one action of `channel_sid`'s budget, or raise 429 when it is used up."""
        if self.per_second <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(channel_sid, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.per_second)
            if tokens < 1:
                raise ChatError(429, TOO_MANY_ACTIONS, f"Too many actions on channel {channel_sid}; slow down")
            self._buckets[channel_sid] = (tokens - 1, now)
            if len(self._buckets) > MAX_BUCKETS:
                self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        for key, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) * self.per_second >= self.burst:
                del self._buckets[key]
