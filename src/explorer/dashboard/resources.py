"""What every dashboard session of one process shares, per catalog: its query index, its prepared statistics,
its full statistics (and the catalogs opened for a list of folders), plus the one worker thread statistics run on.

The one rule, for every shared resource:
- it is built at most once per process and key, on first use, by the first session that needs it, under a lock
  of its own key (so building one catalog's statistics never blocks another catalog's index or a filter);
- once built it is read-only: sessions read it and never change it;
- it lives as long as the process; a catalog's resource is rebuilt when a different ``Catalog`` object of the
  same path asks (the catalog was reopened, e.g. after a rebuild); ``forget()`` drops everything (tests).
  A resource of several catalogs (every session's unfiltered matches) has a tuple of owners, each compared
  by identity.

Results of a filter (its matches, map frame, result list) follow the same rule but are many, so ``shared_recent``
keeps only the most recently used while they fit in ``RECENT_BYTES``: twenty sessions applying the same filter hold
one copy of its matches instead of twenty, and only the first pays for computing it (a filter's result is several
MB and tens of ms of the event loop at ~10 M samples). An entry dropped from the cache stays alive as long as a
session still shows it; it is simply not handed out again. What a sample read gives (its row, annotations, layers,
the images drawn from them and their PNGs) is kept the same way in a pool of its own (``pool="samples"``, bounded
by ``SAMPLE_BYTES``), so samples opened one after another never push a filter's result out: twenty sessions
stepping to the same sample read and encode it once (~15 ms of the event loop each time otherwise).

Library code stays out of this module: each resource's builder lives with its data (``query.index_of``,
``query.match``, ``selection.prepared_of``, ``selection.full_stats``, ``app.open_catalogs``) and asks ``shared`` or
``shared_recent`` for it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

__all__ = ["EXECUTOR", "RECENT_BYTES", "SAMPLE_BYTES", "forget", "forget_recent", "is_built", "recent_bytes", "shared", "shared_recent"]

T = TypeVar("T")

# Statistics of every session run here, one at a time, so a recompute never freezes a session's event loop.
EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eo-stats")

_VALUES: dict[Hashable, tuple[Any, Any]] = {}  # key -> (owner, value)
_LOCKS: dict[Hashable, threading.Lock] = {}
_LOCK = threading.Lock()  # guards _LOCKS, _POOLS and _HELD; held for microseconds

RECENT_BYTES = 256 * 2**20  # bound of ``shared_recent``'s entries (~20 filters' results at ~10 M samples)
SAMPLE_BYTES = 64 * 2**20  # bound of the "samples" pool: a few hundred samples' reads and images
_RESULTS, _SAMPLES = "results", "samples"
# pool -> key -> (owner, value, bytes), oldest first; and each pool's bytes held (kept as a sum, not re-added)
_POOLS: dict[str, OrderedDict[Hashable, tuple[Any, Any, int]]] = {_RESULTS: OrderedDict(), _SAMPLES: OrderedDict()}
_HELD: dict[str, int] = {_RESULTS: 0, _SAMPLES: 0}
# Keys of recent results are as many as the filters users type: their build locks are a fixed set, not one each
# (re-entrant: a build may ask for another recent result whose key falls on the same lock).
_RECENT_LOCKS = [threading.RLock() for _ in range(16)]


def _lock_of(key: Hashable) -> threading.Lock:
    with _LOCK:
        return _LOCKS.setdefault(key, threading.Lock())


def shared(key: Hashable, build: Callable[[], T], owner: Any = None) -> T:
    """The resource ``key``, built by ``build()`` the first time (or when ``owner`` is not the object it was
    built for); concurrent callers of the same key wait for one build."""
    with _lock_of(key):
        entry = _VALUES.get(key)
        if entry is None or not _same(entry[0], owner):
            entry = (owner, build())
            _VALUES[key] = entry
        return entry[1]


def _bound(pool: str) -> int:
    return RECENT_BYTES if pool == _RESULTS else SAMPLE_BYTES  # read at each call (tests lower them)


def shared_recent(
    key: Hashable, build: Callable[[], T], size: Callable[[T], int], owner: Any = None, pool: str = _RESULTS
) -> T:
    """As ``shared``, for results kept only while recently used: at most ``RECENT_BYTES`` of them (each
    ``size(value)`` bytes; ``SAMPLE_BYTES`` in the "samples" pool), the least recently used dropped first; a value
    larger than the bound is returned but not kept. The value must be read-only: every session asking for ``key``
    gets the same object."""
    entries = _POOLS[pool]
    with _LOCK:  # the common case, a hit, takes no build lock
        entry = entries.get(key)
        if entry is not None and _same(entry[0], owner):
            entries.move_to_end(key)
            return cast(T, entry[1])
    with _RECENT_LOCKS[hash(key) % len(_RECENT_LOCKS)]:  # one build per key at a time
        with _LOCK:
            entry = entries.get(key)
            if entry is not None and _same(entry[0], owner):
                entries.move_to_end(key)
                return cast(T, entry[1])
        value = build()
        nbytes = int(size(value))
        bound = _bound(pool)
        with _LOCK:
            old = entries.pop(key, None)
            if old is not None:
                _HELD[pool] -= old[2]
            if nbytes <= bound:
                entries[key] = (owner, value, nbytes)
                _HELD[pool] += nbytes
                while _HELD[pool] > bound:
                    _HELD[pool] -= entries.popitem(last=False)[1][2]
        return value


def recent_bytes(pool: str = _RESULTS) -> int:
    """Bytes held by ``shared_recent``'s entries of ``pool`` now (never above its bound)."""
    with _LOCK:
        return _HELD[pool]


def forget_recent() -> None:
    """Drop every cached filter result and sample read (``teardown`` once sessions have closed): what an open
    session still shows stays alive through that session; the rest is memory no one will ask for before it is
    recomputed."""
    with _LOCK:
        _clear_pools()


def _clear_pools() -> None:
    """Empty every ``shared_recent`` pool (``_LOCK`` held)."""
    for pool, entries in _POOLS.items():
        entries.clear()
        _HELD[pool] = 0


def is_built(key: Hashable, owner: Any = None) -> bool:
    """True when ``shared(key, ..., owner)`` would return at once."""
    entry = _VALUES.get(key)
    return entry is not None and _same(entry[0], owner)


def _same(built_for: Any, owner: Any) -> bool:
    """The same owner: the same object, or tuples of the same objects."""
    if isinstance(built_for, tuple) and isinstance(owner, tuple):
        return len(built_for) == len(owner) and all(a is b for a, b in zip(built_for, owner, strict=True))
    return built_for is owner


def forget(key: Hashable | None = None) -> None:
    """Drop one shared resource, or all of them (tests; a long-running server never needs it)."""
    with _LOCK:
        if key is None:
            _VALUES.clear()
            _clear_pools()
            return
        _VALUES.pop(key, None)
        for pool, entries in _POOLS.items():
            if key in entries:
                _HELD[pool] -= entries.pop(key)[2]
