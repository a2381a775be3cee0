"""Token buckets per key, in this process: actions per channel (Twilio's 429 / 50063) and
`/token` requests per client address (429 / 20429). With several workers each one has its own
buckets, so the effective limits are per worker."""

import math
import threading
import time

from .errors import ChatError

TOO_MANY_ACTIONS = 50063
TOO_MANY_REQUESTS = 20429
MAX_BUCKETS = 100_000  # forget full buckets beyond this many keys


class Buckets:
    def __init__(self, per_second: float, burst: int):
        self.per_second = per_second
        self.burst = max(burst, 1)
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str) -> float:
        """Spend one of `key`'s tokens: 0 when it could, else the seconds until one is back."""
        if self.per_second <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.per_second)
            if tokens < 1:
                return (1 - tokens) / self.per_second
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > MAX_BUCKETS:
                self._forget_full(now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        for key, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) * self.per_second >= self.burst:
                del self._buckets[key]


class ChannelRate(Buckets):
    def take(self, channel_sid: str) -> None:  # type: ignore[override]
        """Spend one action of `channel_sid`'s budget, or raise 429 when it is used up."""
        if super().take(channel_sid):
            raise ChatError(429, TOO_MANY_ACTIONS, f"Too many actions on channel {channel_sid}; slow down")


class TooManyRequests(ChatError):
    def __init__(self, retry_after: float):
        super().__init__(429, TOO_MANY_REQUESTS, "Too Many Requests")
        self.retry_after = max(1, math.ceil(retry_after))


class AddressRate(Buckets):
    """Requests per minute per client address (the real one when PROXY_HOPS is set)."""

    def __init__(self, per_minute: int, burst: int):
        super().__init__(per_minute / 60, burst)

    def take(self, address: str) -> None:  # type: ignore[override]
        wait = super().take(address)
        if wait:
            raise TooManyRequests(wait)
