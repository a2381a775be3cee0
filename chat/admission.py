"""How many WebSockets one process takes in: at most MAX_SOCKETS in all, and at most
UNAUTHENTICATED_SOCKETS_PER_ADDRESS from one client address that have not completed `hello`.
Together with HELLO_TIMEOUT this keeps anonymous sockets from piling up: each holds memory
and a descriptor, and needs no token to open."""

import threading

CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455 registry: the server is full
CLOSE_TOO_MANY_UNAUTHENTICATED = 4029  # this address has too many sockets that did not say hello


class Admission:
    def __init__(self, max_sockets: int, unauthenticated_per_address: int):
        self.max_sockets = max_sockets
        self.per_address = unauthenticated_per_address
        self._lock = threading.Lock()
        self._open = 0
        self._unauthenticated: dict[str, int] = {}

    def admit(self, address: str) -> tuple[int, str] | None:
        """Count a new socket from `address` as open and not yet authenticated; or, when it
        may not stay, the close code and reason to send it."""
        with self._lock:
            if self._open >= self.max_sockets:
                return CLOSE_TRY_AGAIN_LATER, f"server full ({self.max_sockets} sockets)"
            if self._unauthenticated.get(address, 0) >= self.per_address:
                return CLOSE_TOO_MANY_UNAUTHENTICATED, "too many unauthenticated connections from this address"
            self._open += 1
            self._unauthenticated[address] = self._unauthenticated.get(address, 0) + 1
        return None

    def authenticated(self, address: str) -> None:
        with self._lock:
            self._forget_unauthenticated(address)

    def closed(self, address: str, authenticated: bool) -> None:
        with self._lock:
            self._open -= 1
            if not authenticated:
                self._forget_unauthenticated(address)

    def _forget_unauthenticated(self, address: str) -> None:
        left = self._unauthenticated.get(address, 0) - 1
        if left > 0:
            self._unauthenticated[address] = left
        else:
            self._unauthenticated.pop(address, None)

    @property
    def open(self) -> int:
        return self._open
