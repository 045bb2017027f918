"""The shared-resource rule: built once per key (concurrent callers wait for one build), rebuilt for another
owner (a reopened catalog), dropped by forget."""

from __future__ import annotations

import threading
import time
from typing import Any

from explorer.dashboard import resources


def test_shared__built_once_per_key_even_when_asked_concurrently() -> None:
    resources.forget(("test", "once"))
    builds: list[int] = []

    def build() -> list[int]:
        builds.append(1)
        time.sleep(0.05)  # a slow build: the other threads must wait for it, not start their own
        return [42]

    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(resources.shared(("test", "once"), build)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [1]
    assert all(result is results[0] for result in results)
    assert resources.is_built(("test", "once"))


def test_shared__rebuilt_for_another_owner_and_after_forget() -> None:
    key = ("test", "owner")
    resources.forget(key)
    first, second = object(), object()
    a = resources.shared(key, lambda: ["a"], owner=first)
    assert resources.shared(key, lambda: ["b"], owner=first) is a
    assert resources.is_built(key, owner=first) and not resources.is_built(key, owner=second)
    b = resources.shared(key, lambda: ["b"], owner=second)  # the catalog was reopened
    assert b == ["b"]
    resources.forget(key)
    assert not resources.is_built(key, owner=second)


def test_index_of__one_index_per_catalog_object(demo_catalogs: list[Any]) -> None:
    from explorer.dashboard import query

    catalog = demo_catalogs[0]
    assert query.index_of(catalog) is query.index_of(catalog)
    assert resources.is_built(("index", str(catalog.path)), owner=catalog)


def test_shared_recent__one_value_per_key_bounded_in_bytes_least_recently_used_dropped(monkeypatch: Any) -> None:
    resources.forget()
    monkeypatch.setattr(resources, "RECENT_BYTES", 100)
    builds: list[str] = []

    def get(key: str, size: int) -> list[str]:
        return resources.shared_recent(("test", key), lambda: (builds.append(key), [key])[1], lambda v: size)

    a = get("a", 40)
    assert get("a", 40) is a and builds == ["a"]  # built once, the same object for every caller
    get("b", 40)
    get("a", 40)  # used again: now the most recent
    get("c", 40)  # 120 bytes > 100: the least recently used ("b") goes
    assert resources.recent_bytes() == 80
    get("a", 40)
    get("b", 40)
    assert builds == ["a", "b", "c", "b"]
    get("huge", 1000)  # larger than the bound: returned, never kept
    get("huge", 1000)
    assert builds[-2:] == ["huge", "huge"] and resources.recent_bytes() <= 100
    owner = object()
    first = resources.shared_recent(("test", "o"), lambda: ["x"], lambda v: 1, owner=owner)
    assert resources.shared_recent(("test", "o"), lambda: ["y"], lambda v: 1, owner=object()) == ["y"]
    assert first == ["x"]  # another owner (a reopened catalog): rebuilt
    resources.forget()
    assert resources.recent_bytes() == 0


def test_give_back__empties_the_recent_results_but_keeps_the_shared_resources() -> None:
    """Once sessions have closed, cached filter results are memory no one asks for (issue #12: no growth)."""
    from explorer.dashboard import teardown

    resources.forget()
    index = resources.shared(("test", "index"), lambda: ["index"])
    resources.shared_recent(("test", "filter"), lambda: ["result"], lambda v: 10)
    assert resources.recent_bytes() == 10
    teardown.give_back()
    assert resources.recent_bytes() == 0
    assert resources.shared(("test", "index"), lambda: ["rebuilt"]) is index
    resources.forget()


def test_shared_recent__samples_pool_bounded_on_its_own(monkeypatch: Any) -> None:
    """Sample reads (many, cheap) have their own bound: opening samples never drops a filter's result."""
    resources.forget()
    monkeypatch.setattr(resources, "RECENT_BYTES", 100)
    monkeypatch.setattr(resources, "SAMPLE_BYTES", 50)
    result = resources.shared_recent(("test", "filter"), lambda: ["result"], lambda v: 90)
    for n in range(5):
        resources.shared_recent(("test", n), lambda n=n: [n], lambda v: 20, pool="samples")
    assert resources.recent_bytes("samples") == 40 and resources.recent_bytes() == 90
    assert resources.shared_recent(("test", "filter"), lambda: ["again"], lambda v: 90) is result
    resources.forget(("test", 4))
    assert resources.recent_bytes("samples") == 20
    resources.forget_recent()
    assert resources.recent_bytes("samples") == 0 and resources.recent_bytes() == 0
