"""BigEarthNet.txt-style annotations computed from a CORINE reference map, so every answer is true to the map.

Four annotation types as in the release: one caption per patch, binary (yes/no) and multiple-choice questions
over presence, area, count, adjacency, relative position, season, climate zone and country, and bounding boxes
("reference": the largest connected region of a class; "point": the region under a given point). Boxes are
the exact extent of a connected component (8-connectivity), widened outward to two decimals so they always
enclose it. Box strings are "[x0 y0, x1 y1]", normalised, x first, origin top-left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from scipy import ndimage

from ..legends import BIGEARTHNET_COUNTRIES, BIGEARTHNET_SEASONS, CORINE19

NAMES = CORINE19.names
SEASONS = BIGEARTHNET_SEASONS
COUNTRIES = BIGEARTHNET_COUNTRIES
# Koeppen-Geiger zones in words (Beck et al. 2018 legend), as BigEarthNet.txt writes them.
CLIMATE_ZONES = (
    "Temperate, no dry season, warm summer",
    "Temperate, no dry season, hot summer",
    "Temperate, dry summer, hot summer",
    "Temperate, dry summer, warm summer",
    "Cold, no dry season, warm summer",
    "Cold, no dry season, cold summer",
    "Cold, no dry season, hot summer",
    "Polar, tundra",
)
_EIGHT = np.ones((3, 3), dtype=bool)
_MIN_OFFSET_PX = 12  # centroids closer than this along an axis: no relative-position question


@dataclass
class Region:
    size: int
    rows: slice
    cols: slice
    mask: np.ndarray  # component mask, cropped to (rows, cols)


@dataclass
class MapFacts:
    """What the questions need from one reference map, computed once."""

    shape: tuple[int, int]
    counts: np.ndarray  # pixels per 19-class index
    regions: dict[int, list[Region]] = field(default_factory=dict)  # class -> components, largest first
    adjacent: set[tuple[int, int]] = field(default_factory=set)  # (i, j), i < j
    centroids: dict[int, tuple[float, float]] = field(default_factory=dict)  # class -> (row, col)

    @property
    def present(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.counts)]

    @property
    def absent(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.counts == 0)]


def map_facts(codes: np.ndarray) -> MapFacts:
    index = CORINE19.class_index(codes)
    counts = np.bincount(index[index >= 0].ravel(), minlength=len(NAMES))
    facts = MapFacts(shape=index.shape, counts=counts)
    for cls in facts.present:
        mask = index == cls
        labelled = ndimage.label(mask, structure=_EIGHT)
        labels, n = np.asarray(labelled[0]), int(labelled[1])
        sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
        slices = ndimage.find_objects(labels)
        regions = [
            Region(int(sizes[k]), slices[k][0], slices[k][1], labels[slices[k]] == k + 1) for k in range(n)
        ]
        facts.regions[cls] = sorted(regions, key=lambda r: -r.size)
        rows, cols = np.nonzero(mask)
        facts.centroids[cls] = (float(rows.mean()), float(cols.mean()))
    for a, b in ((index[:, :-1], index[:, 1:]), (index[:-1, :], index[1:, :])):
        edge = (a != b) & (a >= 0) & (b >= 0)
        lo = np.minimum(a[edge], b[edge]).astype(np.int64)
        hi = np.maximum(a[edge], b[edge]).astype(np.int64)
        for pair in np.unique(lo * 64 + hi).tolist():
            facts.adjacent.add((pair // 64, pair % 64))
    return facts


# --- boxes -------------------------------------------------------------------------------------------------
def box_string(region: Region, shape: tuple[int, int]) -> str:
    """Normalised box enclosing the region, rounded outward to two decimals."""
    height, width = shape
    x0 = int(np.floor(region.cols.start / width * 100 + 1e-9))
    y0 = int(np.floor(region.rows.start / height * 100 + 1e-9))
    x1 = int(np.ceil(region.cols.stop / width * 100 - 1e-9))
    y1 = int(np.ceil(region.rows.stop / height * 100 - 1e-9))
    return f"[{x0 / 100} {y0 / 100}, {x1 / 100} {y1 / 100}]"


def inner_point(region: Region, shape: tuple[int, int]) -> tuple[float, float] | None:
    """A point (x, y), two decimals, whose pixel lies well inside the region; None if none is safe."""
    depth = ndimage.distance_transform_edt(np.pad(region.mask, 1))[1:-1, 1:-1]
    r, c = np.unravel_index(int(np.argmax(depth)), depth.shape)
    row, col = region.rows.start + int(r), region.cols.start + int(c)
    x = round((col + 0.5) / shape[1], 2)
    y = round((row + 0.5) / shape[0], 2)
    back_r, back_c = int(y * shape[0]) - region.rows.start, int(x * shape[1]) - region.cols.start
    inside = 0 <= back_r < region.mask.shape[0] and 0 <= back_c < region.mask.shape[1]
    return (x, y) if inside and region.mask[back_r, back_c] else None


# --- text helpers ------------------------------------------------------------------------------------------
def _lc(cls: int) -> str:
    return NAMES[cls][0].lower() + NAMES[cls][1:]


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return str(options[int(rng.integers(len(options)))])


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"


def _mcq(rng: np.random.Generator, question: str, correct: str, distractors: list[str]) -> tuple[str, str]:
    options = [correct, *distractors[:3]]
    order = rng.permutation(4)
    shown = [options[i] for i in order]
    letters = "abcd"
    text = f"{question} " + ", ".join(f"{letters[k]}) {opt}" for k, opt in enumerate(shown))
    return text, letters[int(np.flatnonzero(order == 0)[0])]


def _direction(facts: MapFacts, a: int, b: int) -> str | None:
    """Where class a lies relative to class b (north/south/east/west), when one axis clearly dominates."""
    (ra, ca), (rb, cb) = facts.centroids[a], facts.centroids[b]
    dr, dc = ra - rb, ca - cb
    if max(abs(dr), abs(dc)) < _MIN_OFFSET_PX or min(abs(dr), abs(dc)) > 0.5 * max(abs(dr), abs(dc)):
        return None
    if abs(dr) > abs(dc):
        return "south" if dr > 0 else "north"
    return "east" if dc > 0 else "west"


def _part_of_image(facts: MapFacts, cls: int) -> str:
    r, c = facts.centroids[cls]
    h, w = facts.shape
    ns = "northern" if r < h / 3 else "southern" if r > 2 * h / 3 else ""
    ew = "western" if c < w / 3 else "eastern" if c > 2 * w / 3 else ""
    if ns and ew:
        return f"{ns[:-2]}-{ew} part"  # "north-western part"
    if ns or ew:
        return f"{ns or ew} part"
    return "central part"


_GROUPS = {
    "urban": (0, 1),
    "agricultural": (2, 3, 4, 5, 6, 7),
    "forested": (8, 9, 10),
    "semi-natural": (11, 12, 13, 14),
    "wetland": (15, 16),
    "water": (17, 18),
}


def caption(rng: np.random.Generator, facts: MapFacts, country: str, season: str, climate: str) -> str:
    shares = facts.counts / max(int(facts.counts.sum()), 1)
    group_share = {g: float(shares[list(idx)].sum()) for g, idx in _GROUPS.items()}
    ranked = sorted(group_share, key=lambda g: -group_share[g])
    if group_share[ranked[0]] >= 0.7:
        landscape = f"a predominantly {ranked[0]} landscape"
    else:
        landscape = f"a diverse landscape dominated by {ranked[0]} and {ranked[1]} areas"
    order = [int(i) for i in np.argsort(-facts.counts, kind="stable") if facts.counts[i] > 0]
    area = {i: f"~{int(round(facts.counts[i] * 100, -3)):,} sqm" for i in order}  # 10 m pixels: 100 sqm
    top = order[0]
    sentences = [
        f"This satellite image, captured in {country} during {season.lower()}, depicts {landscape} within the "
        f'"{climate.lower()}" climate zone.',
        f"{NAMES[top]} ({area[top]}) is the most prominent feature.",
    ]
    rest = order[1:4]
    if rest:
        listed = _join([f"{_lc(i)} ({area[i]})" for i in rest])
        sentences.append(_pick(rng, ("It is accompanied by {}.", "Other classes include {}.")).format(listed))
        sentences.append(
            f"Areas of {_lc(rest[0])} lie mainly in the {_part_of_image(facts, rest[0])} of the image."
        )
    pairs = sorted(p for p in facts.adjacent if top in p)
    if pairs:
        a, b = pairs[int(rng.integers(len(pairs)))]
        other = b if a == top else a
        sentences.append(f"The {_lc(top)} borders areas of {_lc(other)}.")
    return " ".join(sentences)


# --- question generators: each returns (type, category, input, output) or None when it does not apply ---------
Item = tuple[str, str, str, str]


def _binary_presence(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    yes = rng.random() < 0.5
    pool = facts.present if yes else facts.absent
    cls = pool[int(rng.integers(len(pool)))]
    templates = (
        "Is there any {c} in the image?",
        "Does the image contain {c}?",
        "Can {c} be seen in this image?",
        "Is {c} present in this scene?",
    )
    return "binary", "presence", _pick(rng, templates).format(c=_lc(cls)), "yes" if yes else "no"


def _binary_adjacency(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    pairs = list(combinations(facts.present, 2))
    if not pairs:
        return None
    a, b = pairs[int(rng.integers(len(pairs)))]
    if rng.random() < 0.5:
        a, b = b, a
    templates = (
        "Would you say that any {a} lies next to {b} in the image?",
        "Is {a} adjacent to {b}?",
        "Does {a} share a boundary with {b}?",
    )
    answer = "yes" if (min(a, b), max(a, b)) in facts.adjacent else "no"
    return "binary", "adjacency", _pick(rng, templates).format(a=_lc(a), b=_lc(b)), answer


def _binary_area(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    present = facts.present
    if len(present) >= 2 and rng.random() < 0.5:
        a, b = (present[i] for i in rng.choice(len(present), 2, replace=False))
        if facts.counts[a] == facts.counts[b]:
            return None
        answer = "yes" if facts.counts[a] > facts.counts[b] else "no"
        return "binary", "area", f"Does {_lc(a)} cover a larger area than {_lc(b)}?", answer
    cls = present[int(rng.integers(len(present)))]
    share = 100 * facts.counts[cls] / facts.counts.sum()
    k = int(rng.choice([10, 25, 50]))
    if abs(share - k) < 2:
        return None
    return (
        "binary",
        "area",
        f"Does {_lc(cls)} cover more than {k}% of the image?",
        "yes" if share > k else "no",
    )


def _binary_count(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    cls = facts.present[int(rng.integers(len(facts.present)))]
    n = len(facts.regions[cls])
    k = int(rng.integers(1, 4))
    question = f"Are there more than {k} separate regions of {_lc(cls)} in the image?"
    return "binary", "count", question, "yes" if n > k else "no"


def _binary_relative(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    pairs = [(a, b) for a, b in combinations(facts.present, 2) if _direction(facts, a, b)]
    if not pairs:
        return None
    a, b = pairs[int(rng.integers(len(pairs)))]
    truth = _direction(facts, a, b)
    opposite = {"north": "south", "south": "north", "east": "west", "west": "east"}
    asked = truth if rng.random() < 0.5 else opposite[str(truth)]
    question = f"Is the {_lc(a)} located to the {asked} of the {_lc(b)}?"
    return "binary", "relative pos", question, "yes" if asked == truth else "no"


def _binary_context(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    kind = _pick(rng, ("season", "climate zone", "country"))
    truth = ctx[kind]
    pool = {"season": SEASONS, "climate zone": CLIMATE_ZONES, "country": COUNTRIES}[kind]
    asked = truth if rng.random() < 0.5 else _pick(rng, [v for v in pool if v != truth])
    question = {
        "season": f"Was this image captured in {asked.lower()}?",
        "climate zone": f'Is this area located in the "{asked.lower()}" climate zone?',
        "country": f"Was this image acquired in {asked}?",
    }[kind]
    return "binary", kind, question, "yes" if asked == truth else "no"


def _mcq_presence(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    present, absent = facts.present, facts.absent
    if rng.random() < 0.5 or len(present) < 3:
        correct = present[int(rng.integers(len(present)))]
        others = [absent[i] for i in rng.choice(len(absent), 3, replace=False)]
        question = _pick(
            rng,
            (
                "Which of the following land cover classes can be found in the image?",
                "Which class is present in this image?",
            ),
        )
    else:
        correct = absent[int(rng.integers(len(absent)))]
        others = [present[i] for i in rng.choice(len(present), 3, replace=False)]
        question = "Which of these classes is NOT present in the image?"
    text, letter = _mcq(rng, question, NAMES[correct], [NAMES[i] for i in others])
    return "mcq", "presence", text, letter


def _mcq_adjacency(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    if not facts.adjacent:
        return None
    adjacent = sorted(facts.adjacent)
    a, b = adjacent[int(rng.integers(len(adjacent)))]
    candidates = [p for p in combinations(range(len(NAMES)), 2) if p not in facts.adjacent]
    picks = [candidates[i] for i in rng.choice(len(candidates), 3, replace=False)]
    text, letter = _mcq(
        rng,
        "Which classes share a boundary?",
        f"{NAMES[a]} and {NAMES[b]}",
        [f"{NAMES[i]} and {NAMES[j]}" for i, j in picks],
    )
    return "mcq", "adjacency", text, letter


def _mcq_area(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    order = [int(i) for i in np.argsort(-facts.counts, kind="stable")]
    if len(facts.present) > 1 and facts.counts[order[0]] == facts.counts[order[1]]:
        return None
    others = (
        order[1:4]
        if rng.random() < 0.5
        else [order[1], *[facts.absent[i] for i in rng.choice(len(facts.absent), 2, replace=False)]]
    )
    if len(facts.present) == 1:
        others = [facts.absent[i] for i in rng.choice(len(facts.absent), 3, replace=False)]
    text, letter = _mcq(
        rng,
        "Which land cover class covers the largest area in the image?",
        NAMES[order[0]],
        [NAMES[i] for i in others],
    )
    return "mcq", "area", text, letter


def _mcq_count(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    cls = facts.present[int(rng.integers(len(facts.present)))]
    n = len(facts.regions[cls])
    start = max(1, n - int(rng.integers(0, 4)))
    values = [str(v) for v in range(start, start + 4)]
    values.remove(str(n))
    text, letter = _mcq(
        rng, f"How many separate regions of {_lc(cls)} are there in the image?", str(n), values
    )
    return "mcq", "count", text, letter


def _mcq_relative(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    pairs = [(a, b) for a, b in combinations(facts.present, 2) if _direction(facts, a, b)]
    if not pairs:
        return None
    a, b = pairs[int(rng.integers(len(pairs)))]
    truth = str(_direction(facts, a, b))
    others = [d for d in ("north", "south", "east", "west") if d != truth]
    text, letter = _mcq(rng, f"Where is the {_lc(a)} located relative to the {_lc(b)}?", truth, others)
    return "mcq", "relative pos", text, letter


def _mcq_context(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    kind = _pick(rng, ("season", "climate zone", "country"))
    truth = ctx[kind]
    pool = [
        v
        for v in {"season": SEASONS, "climate zone": CLIMATE_ZONES, "country": COUNTRIES}[kind]
        if v != truth
    ]
    others = [pool[i] for i in rng.choice(len(pool), 3, replace=False)]
    question = {
        "season": "In which season was this image captured?",
        "climate zone": "Which climate zone does this area belong to?",
        "country": "In which country was this image acquired?",
    }[kind]
    text, letter = _mcq(rng, question, truth, others)
    return "mcq", kind, text, letter


def _box_reference(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    cls = facts.present[int(rng.integers(len(facts.present)))]
    region = facts.regions[cls][0]
    ref = f"<ref>largest connected region of {_lc(cls)}</ref>"
    templates = ("Identify the location of the {r}.", "Where is the {r} in the image?", "Locate the {r}.")
    return "bounding box", "reference", _pick(rng, templates).format(r=ref), box_string(region, facts.shape)


def _box_point(rng: np.random.Generator, facts: MapFacts, ctx: dict[str, str]) -> Item | None:
    cls = facts.present[int(rng.integers(len(facts.present)))]
    regions = [r for r in facts.regions[cls] if r.size >= 30] or facts.regions[cls][:1]
    region = regions[int(rng.integers(len(regions)))]
    point = inner_point(region, facts.shape)
    if point is None:
        return None
    question = (
        f"Provide a bounding box for the land cover class instance at <point>({point[0]}, {point[1]})</point> "
        "in the satellite image."
    )
    return "bounding box", "point", question, box_string(region, facts.shape)


BINARY = (_binary_presence, _binary_adjacency, _binary_area, _binary_count, _binary_relative, _binary_context)
MCQ = (_mcq_presence, _mcq_adjacency, _mcq_area, _mcq_count, _mcq_relative, _mcq_context)
BOXES = (_box_reference, _box_point)


def patch_annotations(
    rng: np.random.Generator, codes: np.ndarray, country: str, season: str, climate: str
) -> list[Item]:
    """About 20 annotations for one patch: a caption, ~7 binary, ~6 MCQ and ~4 box questions."""
    facts = map_facts(codes)
    if not facts.present:
        return []
    ctx = {"season": season, "climate zone": climate, "country": country}
    items: list[Item] = [("captioning", "None", "", caption(rng, facts, country, season, climate))]
    seen: set[str] = set()
    for generators, wanted in (
        (BINARY, rng.integers(6, 10)),
        (MCQ, rng.integers(5, 9)),
        (BOXES, rng.integers(3, 7)),
    ):
        made = 0
        for _ in range(4 * int(wanted)):
            if made == wanted:
                break
            item = generators[int(rng.integers(len(generators)))](rng, facts, ctx)
            if item is None or item[2] in seen:
                continue
            seen.add(item[2])
            items.append(item)
            made += 1
    return items
