"""A progress bar on a terminal (tqdm, on standard error); nothing when output goes to a pipe or file."""

import sys
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def bar(total: int | None, unit: str):
    """A function to call once per `unit` done."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    with tqdm(total=total, unit=f" {unit}", unit_scale=True, file=sys.stderr, mininterval=0.5) as shown:
        yield lambda: shown.update(1)
