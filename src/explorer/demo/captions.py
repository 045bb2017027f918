"""ChatEarthNet-style captions written from a land-cover map, following the authors' prompt rules.

The released captions were written by ChatGPT from per-region class shares: positions top left / top right /
bottom left / bottom right / middle; a class is described only when it covers >= 20 px; at most three classes
per region; proportion words "extra small" (0-9 %), "small" (10-19 %), "medium" (20-49 %), "large" (50-79 %),
"extra large" (80-100 %) followed by fraction / part / portion / amount / quantity. The demo applies the same
rules with varied sentence templates, so vocabulary statistics are not degenerate. Class names appear only for
classes present in the map (the tests check this).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..legends import CHATEARTHNET, WORLDCOVER_TO_CHATEARTHNET

POSITIONS = ("top left", "top right", "bottom left", "bottom right", "middle")
NOUNS = ("fraction", "part", "portion", "amount", "quantity")
MIN_PIXELS = 20
MAX_CLASSES = 3


def proportion_word(percent: float) -> str:
    """The authors' five proportion bins (percent of the region)."""
    if percent < 10:
        return "extra small"
    if percent < 20:
        return "small"
    if percent < 50:
        return "medium"
    if percent < 80:
        return "large"
    return "extra large"


@dataclass(frozen=True)
class Mention:
    name: str  # ChatEarthNet class name
    percent: float
    word: str  # proportion word


def chatearthnet_names(worldcover: np.ndarray) -> np.ndarray:
    """WorldCover codes -> ChatEarthNet class index (0 = background), vectorised."""
    lut = np.zeros(256, dtype=np.uint8)
    for code, index in WORLDCOVER_TO_CHATEARTHNET.items():
        lut[code] = index
    return lut[np.asarray(worldcover, dtype=np.uint8)]


def region_slices(size: int) -> dict[str, tuple[slice, slice]]:
    half, quarter = size // 2, size // 4
    return {
        "top left": (slice(0, half), slice(0, half)),
        "top right": (slice(0, half), slice(half, size)),
        "bottom left": (slice(half, size), slice(0, half)),
        "bottom right": (slice(half, size), slice(half, size)),
        "middle": (slice(quarter, size - quarter), slice(quarter, size - quarter)),
    }


def region_mentions(worldcover: np.ndarray) -> dict[str, list[Mention]]:
    """Per region: up to three classes covering >= 20 px, largest first, with their proportion words."""
    index = chatearthnet_names(worldcover)
    names = CHATEARTHNET.names
    out: dict[str, list[Mention]] = {}
    for position, (rows, cols) in region_slices(index.shape[0]).items():
        counts = np.bincount(index[rows, cols].ravel(), minlength=len(names) + 1)[1:]
        total = counts.sum()
        order = [i for i in np.argsort(-counts, kind="stable") if counts[i] >= MIN_PIXELS][:MAX_CLASSES]
        out[position] = [
            Mention(names[i], 100.0 * counts[i] / total, proportion_word(100.0 * counts[i] / total))
            for i in order
        ]
    return out


def overall_shares(worldcover: np.ndarray) -> list[tuple[str, float]]:
    """(ChatEarthNet class name, share) of the whole image, largest first; classes under 20 px left out."""
    index = chatearthnet_names(worldcover)
    counts = np.bincount(index.ravel(), minlength=len(CHATEARTHNET.names) + 1)[1:]
    order = [i for i in np.argsort(-counts, kind="stable") if counts[i] >= MIN_PIXELS]
    return [(CHATEARTHNET.names[i], float(counts[i] / index.size)) for i in order]


# --- text helpers ------------------------------------------------------------------------------------------
def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return str(options[int(rng.integers(len(options)))])


def _amount(rng: np.random.Generator, m: Mention) -> str:
    return f"{_a(m.word)} {_pick(rng, NOUNS)} of {m.name}"


def _join(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return f"{parts[0]} and {parts[1]}"
    return ", ".join(parts[:-1]) + f", and {parts[-1]}"


SCENE_WORDS = {
    "water": "water-dominated",
    "developed area": "urbanized",
    "tree": "forested",
    "shrub": "shrub-covered",
    "grass": "open, grass-covered",
    "crop": "agricultural",
    "bare land": "barren",
    "snow": "snow-covered",
    "wetland": "marshy",
    "mangroves": "coastal mangroves",
    "moss": "tundra-like",
}

_INTROS_35 = (
    "This satellite image shows {scene} landscape.",
    "The image depicts {scene} area with several land cover types.",
    "In this image, we can observe {scene} scene.",
    "This image presents {scene} region with a mix of land cover types.",
    "The satellite image captures {scene} landscape.",
)
_REGION_35 = (
    "In the {pos} of the image, there is {amounts}.",
    "The {pos} is covered by {amounts}.",
    "The {pos} part of the image contains {amounts}.",
    "Moving to the {pos}, we can see {amounts}.",
    "As for the {pos}, it consists of {amounts}.",
    "The {pos} area shows {amounts}.",
    "In the {pos} region, there is {amounts}.",
)
_OUTROS_35 = (
    "Overall, {top} is the most common land cover type in this image.",
    "Overall, the image is dominated by {top}.",
    "In summary, {top} covers the largest proportion of the image.",
    "Overall, the land cover in this image is mainly {top}, followed by {second}.",
)


def caption_35(rng: np.random.Generator, worldcover: np.ndarray) -> str:
    """A ChatGPT-3.5-style caption: intro, one sentence per region, a closing sentence."""
    shares = overall_shares(worldcover)
    mentions = region_mentions(worldcover)
    top = shares[0][0]
    sentences = [_pick(rng, _INTROS_35).format(scene=_a(SCENE_WORDS[top]))]
    for position in POSITIONS:
        items = mentions[position]
        if not items:
            continue
        amounts = _join([_amount(rng, m) for m in items])
        sentences.append(_pick(rng, _REGION_35).format(pos=position, amounts=amounts))
    outros = _OUTROS_35 if len(shares) > 1 else _OUTROS_35[:3]
    second = shares[1][0] if len(shares) > 1 else top
    sentences.append(_pick(rng, outros).format(top=top, second=second))
    return " ".join(sentences)


# ChatGPT-4V captions are longer: richer descriptions of appearance and of how regions relate.
_LOOKS = {
    "water": ("dark, smooth water", "open water with a uniform dark tone"),
    "developed area": ("a dense developed area of bright, textured blocks", "scattered developed area"),
    "tree": ("dense tree canopy in deep green", "continuous tree cover with a rough texture"),
    "shrub": ("sparse shrub in muted brown-green tones", "low shrub vegetation"),
    "grass": ("open grass with a light green tone", "patchy grass"),
    "crop": ("crop fields arranged in a patchwork of parcels", "regular crop parcels of varying colour"),
    "bare land": ("exposed bare land in bright beige tones", "bright bare land with little vegetation"),
    "snow": ("bright white snow", "continuous snow that saturates the visible bands"),
    "wetland": ("marshy wetland in dark green-blue tones", "wetland with an irregular, mottled surface"),
    "mangroves": ("dense mangroves fringing the shore", "dark green mangroves along the shoreline"),
    "moss": ("low moss and lichen cover in grey-brown tones", "a thin carpet of moss"),
}
_INTROS_4V = (
    "This Sentinel-2 image shows {scene} landscape in which {top} occupies about {pct} % of the scene.",
    "The image captures {scene} area; {top} is the dominant land cover, covering roughly {pct} % of it.",
    "Seen from above, this scene is {scene} landscape, with {top} accounting for around {pct} % of the area.",
)
_REGION_4V = (
    "In the {pos}, {amount1} appears as {look}{more}.",
    "The {pos} is characterised by {look}, which forms {amount1}{more}.",
    "Looking at the {pos}, the dominant feature is {look}, {amount1}{more}.",
    "Toward the {pos}, the scene shows {look}, amounting to {amount1}{more}.",
)
_RELATIONS_4V = (
    "The {a} in the {pa} contrasts with the {b} in the {pb}.",
    "The {a} in the {pa} gives way to {b} in the {pb}.",
    "While the {pa} is mostly {a}, the {pb} is dominated by {b}.",
)
_OUTROS_4V = (
    "Overall, the spatial arrangement suggests {summary}.",
    "Taken together, the scene reflects {summary}.",
    "The overall pattern points to {summary}.",
)
_SUMMARIES = {
    "water": "a landscape shaped by open water",
    "developed area": "a settled landscape with substantial human development",
    "tree": "a largely natural, wooded landscape",
    "shrub": "a semi-natural landscape with sparse woody vegetation",
    "grass": "an open landscape of herbaceous vegetation",
    "crop": "an intensively farmed agricultural landscape",
    "bare land": "an arid or barren environment with little vegetation",
    "snow": "a cold environment covered by snow for much of the year",
    "wetland": "a waterlogged, low-lying environment",
    "mangroves": "a tropical coastline fringed by intertidal forest",
    "moss": "a cold, high-latitude environment with low vegetation",
}


def caption_4v(rng: np.random.Generator, worldcover: np.ndarray) -> str:
    """A longer, more descriptive ChatGPT-4V-style caption."""
    shares = overall_shares(worldcover)
    mentions = region_mentions(worldcover)
    top, top_share = shares[0]
    sentences = [
        _pick(rng, _INTROS_4V).format(scene=_a(SCENE_WORDS[top]), top=top, pct=round(100 * top_share))
    ]
    others = [name for name, _ in shares[1:4]]
    if others:
        sentences.append(f"Other land cover types present include {_join(others)}.")
    for position in POSITIONS:
        items = mentions[position]
        if not items:
            continue
        first, rest = items[0], items[1:]
        more = ""
        if rest:
            more = ", alongside " + _join([_amount(rng, m) for m in rest])
        sentences.append(
            _pick(rng, _REGION_4V).format(
                pos=position, look=_pick(rng, _LOOKS[first.name]), amount1=_amount(rng, first), more=more
            )
        )
    leaders = {p: mentions[p][0].name for p in POSITIONS[:4] if mentions[p]}
    pairs = [(pa, pb) for pa in leaders for pb in leaders if pa < pb and leaders[pa] != leaders[pb]]
    if pairs:
        pa, pb = pairs[int(rng.integers(len(pairs)))]
        sentences.append(_pick(rng, _RELATIONS_4V).format(a=leaders[pa], pa=pa, b=leaders[pb], pb=pb))
    sentences.append(_pick(rng, _OUTROS_4V).format(summary=_SUMMARIES[top]))
    return " ".join(sentences)
