"""SQLite storage. No SQL lives outside this package."""

from .db import Store, Tx
from .schema import migrate

__all__ = ["Store", "Tx", "migrate"]
