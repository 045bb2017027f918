"""RS5M (Zhang et al. 2023; om-ai-lab/RS5M, MIT, commit 084cdd95): 5 M captions in WebDataset tar shards.

Released layout (FORMATS.md section 7)::

    train/{pub11,rs3}-train-{0000..0031}.tar    val/{pub11,rs3}-val-{0000..0031}.tar        [confirmed]
        each sample: <key>.img_content (image bytes), <key>.img_name, <key>.caption (utf-8)   [confirmed]
        older variant: <key>.input.image, <key>.input.name, <key>.input.caption               [confirmed]
    {pub11,rs3}_{train,val}_intermediate.csv, pub11_NER_geolocation_info.csv                [third-party]
        img_name, text (pub11) or subset_name (rs3: ben / fmow / millionaid), and where known country, month,
        latitude, longitude, utm                                                                 [inferred]
    caption lists such as rs3_dump.csv: name,caption                                             [confirmed]

* Shards are read one at a time through their tar headers: the small name and caption members are read, the
  image bytes are skipped and never leave the tar. A sample's ``image`` is ``<shard>#<offset>+<size>``, which
  ``read_layer`` reads on demand with one seek. The samples pass sets each shard's captions aside in a scratch
  Arrow file, which the annotation pass reads back, so every tar is walked once and memory holds one shard.
* A truncated or invalid shard is a ``CorruptFileError`` naming the shard, the byte offset and what was
  expected (tarfile itself stops silently at a cut-off archive: the reader checks member extents and the
  end-of-archive blocks).
* ``subset``: the source an image comes from, from its name (``fmow_...``, ``ben_...``, ``millionaid_...``; a
  pub11 name's first ``_`` field such as ``yfcc`` / ``cc3m``), else the metadata's ``subset_name``, else the
  shard family (``pub11`` / ``rs3``). It is a plain column, filterable like split and country.
* positions: from ``latitude`` / ``longitude`` of the metadata CSVs where a row has them (read what is there,
  never required); ``country`` and ``month`` likewise.
* captions: ``source`` ``rs3-blip+metadata`` for the rs3 subset (a generated geo-metadata sentence, then the
  BLIP caption) and ``pub11-web`` for pub11 (filtered web alt-text) [inferred from the paper].
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xarray as xr

from ..errors import CorruptFileError, MissingFileError, SchemaError
from ..model import (
    ANNOTATION_SCHEMA,
    KIND_CAPTION,
    LAYER_S2,
    POSITION_NONE,
    POSITION_PUBLISHED,
    SAMPLE_SCHEMA,
    table_from_columns,
)
from . import register
from ._io import list_column, rgb_layer
from ._stream import csv_batches, csv_header
from ._tar import tar_members
from .base import DatasetSource
from .facts import describe_facts

SHARD = re.compile(r"^(?P<family>pub11|rs3)-(?P<split>train|val)-\d{4}\.tar$")
METADATA = re.compile(r"(intermediate|geolocation).*\.csv$", re.IGNORECASE)
CAPTION_LIST = re.compile(r"(rs5m|rs3|pub11).*\.csv$", re.IGNORECASE)
RS3_PREFIXES = ("fmow", "ben", "millionaid")
# WebDataset extension -> role, for both key layouts.
ROLES = {
    "img_content": "image",
    "img_name": "name",
    "caption": "caption",
    "input.image": "image",
    "input.name": "name",
    "input.caption": "caption",
}
SHARD_EXPECTED = "a WebDataset tar shard of <key>.img_content / .img_name / .caption members"


@dataclass
class ShardSample:
    key: str
    name: str | None = None
    caption: str | None = None
    offset: int = -1
    size: int = 0


@dataclass
class ShardColumns:
    """One shard's samples as columns: what the samples and annotation passes need, image bytes left out."""

    keys: list[str]
    names: list[str | None]
    captions: list[str | None]
    offsets: list[int]  # -1: the sample has no image member
    sizes: list[int]


def shard_columns(path: Path) -> ShardColumns:
    """Group a shard's members into samples by key (``<key>.<ext>``, consecutive, as WebDataset writes them),
    reading only the small name and caption members."""
    members = tar_members(path, SHARD_EXPECTED)
    keys: list[str] = []
    names: list[str | None] = []
    captions: list[str | None] = []
    offsets: list[int] = []
    sizes: list[int] = []
    current = None
    try:
        for index, member in enumerate(members.names):
            key, _, ext = member.rpartition("/")[2].partition(".")
            role = ROLES.get(ext)
            if role is None:
                continue
            if key != current:
                current = key
                keys.append(key)
                names.append(None)
                captions.append(None)
                offsets.append(-1)
                sizes.append(0)
            if role == "image":
                offsets[-1], sizes[-1] = members.offsets[index], members.sizes[index]
            elif role == "name":
                names[-1] = members.read(index).decode("utf-8", errors="replace").strip()
            else:
                captions[-1] = members.read(index).decode("utf-8", errors="replace")
    finally:
        members.close()
    return ShardColumns(keys, names, captions, offsets, sizes)


def shard_samples(path: Path) -> Iterator[ShardSample]:
    """The samples of one shard in order, reading headers and small members only (never the image bytes)."""
    columns = shard_columns(path)
    for key, name, caption, offset, size in zip(
        columns.keys, columns.names, columns.captions, columns.offsets, columns.sizes, strict=True
    ):
        yield ShardSample(key, name, caption, offset, size)


def _subset(names: pa.Array, family: str | None) -> pa.Array:
    """The source an image comes from: the first ``_`` field of its name when it is a plain word (``fmow``,
    ``ben``, ``yfcc``), else the shard family."""
    head = pc.extract_regex(names, r"^(?P<head>[A-Za-z][A-Za-z0-9]*)_").field("head")
    return pc.coalesce(pc.utf8_lower(head), pa.scalar(family, pa.string()))


def _caption_sources(subsets: pa.Array, family: str | None) -> pa.Array:
    rs3 = pc.fill_null(pc.is_in(subsets, pa.array(RS3_PREFIXES)), False)
    if family == "rs3":
        rs3 = pa.array(np.ones(len(subsets), bool))
    return pc.if_else(rs3, "rs3-blip+metadata", "pub11-web")


@register
class Rs5mSource(DatasetSource):
    """RS5M shards, metadata CSVs and caption lists."""

    format_name = "rs5m"
    description = "RS5M: {pub11,rs3}-{train,val}-NNNN.tar WebDataset shards and/or name,caption CSVs"

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        path = Path(root).expanduser()
        self.folder = path if path.is_dir() else path.parent
        super().__init__(root, name)
        self.shards = self._shards(self.root)
        self.caption_lists = [p for p in self._csvs(self.root) if self._is_caption_list(p)]
        self.metadata = [p for p in self._csvs(self.root) if METADATA.search(p.name)]
        if not self.shards and not self.caption_lists:
            raise SchemaError(self.root, self.description, "no shard and no caption list")
        self._samples: pa.Table | None = None
        self._count: int | None = None
        self._spool: tempfile.TemporaryDirectory[str] | None = None  # removed with the source
        self._spooled: dict[Path, Path] = {}

    # --- detection ---------------------------------------------------------------------------------------
    @staticmethod
    def _shards(root: Path) -> list[Path]:
        if root.is_file():
            return [root] if SHARD.match(root.name) else []
        found: list[Path] = []
        for folder in (root, root / "train", root / "val"):
            if folder.is_dir():
                found += sorted(p for p in folder.glob("*.tar") if SHARD.match(p.name))
        return found

    @staticmethod
    def _csvs(root: Path) -> list[Path]:
        if root.is_file():
            return [root] if root.suffix.lower() == ".csv" else []
        return sorted(p for p in root.glob("*.csv") if p.is_file()) if root.is_dir() else []

    @staticmethod
    def _is_caption_list(path: Path) -> bool:
        return bool(CAPTION_LIST.search(path.name)) and csv_header(path) == ["name", "caption"]

    @classmethod
    def detect(cls, root: Path) -> bool:
        return bool(cls._shards(root)) or any(cls._is_caption_list(p) for p in cls._csvs(root))

    def default_name(self) -> str:
        return self.folder.resolve().name

    def _family(self, shard: Path) -> tuple[str | None, str | None]:
        match = SHARD.match(shard.name)
        return (match.group("family"), match.group("split")) if match else (None, None)

    # --- samples -----------------------------------------------------------------------------------------
    def samples(self) -> pa.Table:
        if self._samples is None:
            self._samples = self._build_samples()
        return self._samples

    def _build_samples(self) -> pa.Table:
        parts: list[pa.Table] = []
        for shard in self.shards:
            family, split = self._family(shard)
            relative = shard.relative_to(self.folder).as_posix()
            columns = shard_columns(shard)
            names, images, captioned, captions = [], [], [], []
            for key, name, caption, offset, size in zip(
                columns.keys, columns.names, columns.captions, columns.offsets, columns.sizes, strict=True
            ):
                if offset < 0:
                    self.problem(shard, f"sample {key!r} has no image member", key)
                    continue
                names.append(name or key)
                images.append(f"{relative}#{offset}+{size}")
                if caption is None:
                    self.problem(shard, f"sample {key!r} has no caption member", key)
                else:
                    captioned.append(name or key)
                    captions.append(caption)
            del columns
            parts.append(self._part(names, images, split, family, True))
            self._spool_captions(shard, captioned, captions)
        for path in self.caption_lists:
            chunks = [
                batch.column("name")
                for batch in csv_batches(
                    path, ("name", "caption"), expected="an RS5M caption list (name,caption)"
                )
            ]
            family = (
                "rs3" if "rs3" in path.name.lower() else "pub11" if "pub11" in path.name.lower() else None
            )
            listed = pa.chunked_array(chunks, pa.string()).combine_chunks()
            listed = listed.filter(pc.fill_null(pc.not_equal(listed, ""), False))  # Arrow strings: no Python
            parts.append(self._part(listed, listed, None, family, False))
        table = pa.concat_tables(parts) if parts else SAMPLE_SCHEMA.empty_table()
        self._count = self._count if self._count is not None else table.num_rows  # one caption per sample
        ids = table.column("sample_id")
        if pc.count_distinct(ids).as_py() < table.num_rows:  # a name in a shard and in a caption list
            codes = pc.index_in(ids, value_set=pc.unique(ids)).to_numpy(zero_copy_only=False)
            first = np.zeros(table.num_rows, bool)
            first[np.unique(codes, return_index=True)[1]] = True  # the first wins: shards come first
            table = table.filter(pa.array(first))
        return self._join_metadata(table)

    def _part(
        self,
        names: list[str] | pa.Array,
        images: list[str] | pa.Array,
        split: str | None,
        family: str | None,
        in_tar: bool,
    ) -> pa.Table:
        n = len(names)
        name_array = names if isinstance(names, pa.Array) else pa.array(names, pa.string())
        stems = pc.replace_substring_regex(name_array, r"\.[A-Za-z]+$", "")
        return table_from_columns(
            SAMPLE_SCHEMA,
            {
                "dataset": pa.array(np.full(n, self.name, dtype=object), pa.string()),
                "sample_id": stems,
                "split": pa.array(np.full(n, split, dtype=object), pa.string()),
                "lat": np.full(n, np.nan),
                "lon": np.full(n, np.nan),
                "position": pa.array(np.full(n, POSITION_NONE, dtype=object), pa.string()),
                "labels": list_column({}, n),
                "layers": list_column({LAYER_S2: np.full(n, in_tar)}, n),
                "image": images if isinstance(images, pa.Array) else pa.array(images, pa.string()),
                "flags": list_column({}, n),
                "subset": _subset(name_array, family),
                "extra": pa.array(
                    np.full(n, json.dumps({"family": family}) if family else None, dtype=object), pa.string()
                ),
            },
            length=n,
        )

    def _join_metadata(self, table: pa.Table) -> pa.Table:
        """Positions, country, month and subset_name from the metadata CSVs, matched on ``img_name``."""
        if not self.metadata or not table.num_rows:
            return table
        frames = []
        for path in self.metadata:
            header = csv_header(path)
            if "img_name" not in header:
                self.problem(
                    path, f"expected an RS5M metadata CSV with an img_name column, found header {header}"
                )
                continue
            batches = list(csv_batches(path, ("img_name",), expected="an RS5M metadata CSV"))
            frame = pa.Table.from_batches(batches).to_pandas() if batches else pd.DataFrame()
            keep = [
                c
                for c in ("img_name", "latitude", "longitude", "country", "month", "subset_name")
                if c in frame
            ]
            frames.append(frame[keep])
        if not frames:
            return table
        meta = pd.concat(frames, ignore_index=True)
        meta["sample_id"] = meta["img_name"].astype(str).str.replace(r"\.[A-Za-z]+$", "", regex=True)
        meta = meta.drop_duplicates("sample_id").set_index("sample_id")
        ids = pd.Index(table.column("sample_id").to_numpy(zero_copy_only=False))
        rows = meta.reindex(ids)
        lat = pd.to_numeric(rows.get("latitude"), errors="coerce") if "latitude" in rows else None
        lon = pd.to_numeric(rows.get("longitude"), errors="coerce") if "longitude" in rows else None
        columns = {name: table.column(name) for name in table.column_names}
        if lat is not None and lon is not None:
            lat_values, lon_values = lat.to_numpy(dtype=float), lon.to_numpy(dtype=float)
            valid = (
                np.isfinite(lat_values)
                & np.isfinite(lon_values)
                & (np.abs(lat_values) <= 90)
                & (np.abs(lon_values) <= 180)
            )
            columns["lat"] = np.where(valid, lat_values, np.nan)
            columns["lon"] = np.where(valid, lon_values, np.nan)
            columns["position"] = np.where(valid, POSITION_PUBLISHED, POSITION_NONE)
        if "country" in rows:
            country = rows["country"].astype(object).where(rows["country"].notna(), None).to_numpy()
            columns["country"] = pc.coalesce(pa.array(country, pa.string()), table.column("country"))
        if "month" in rows:
            month = rows["month"].astype(object).where(rows["month"].notna(), None).to_numpy()
            columns["date"] = pa.array([None if m is None else str(m) for m in month], pa.string())
        if "subset_name" in rows:
            named = rows["subset_name"].astype(object).where(rows["subset_name"].notna(), None).to_numpy()
            columns["subset"] = pc.coalesce(pa.array(named, pa.string()), table.column("subset"))
        return table_from_columns(SAMPLE_SCHEMA, columns, table.num_rows)

    # --- annotations: one caption per sample, streamed shard by shard -------------------------------------
    def annotation_batches(self) -> Iterator[pa.Table]:
        next_id = 0
        for shard in self.shards:
            family, split = self._family(shard)
            spooled = self._spooled.get(shard)
            if spooled is not None:  # captions set aside by samples(): the tar is not read twice
                with pa.OSFile(str(spooled), "rb") as source:
                    table = pa.ipc.open_file(source).read_all()
                spooled.unlink()
                yield self._captions(
                    table["name"].combine_chunks(), table["caption"].combine_chunks(), split, family, next_id
                )
                next_id += table.num_rows
                continue
            names, captions = [], []
            for sample in shard_samples(shard):
                if sample.caption is None:
                    self.problem(shard, f"sample {sample.key!r} has no caption member", sample.key)
                    continue
                if sample.offset < 0:
                    continue  # reported with the samples
                names.append(sample.name or sample.key)
                captions.append(sample.caption)
            yield self._captions(names, captions, split, family, next_id)
            next_id += len(names)
        for path in self.caption_lists:
            family = (
                "rs3" if "rs3" in path.name.lower() else "pub11" if "pub11" in path.name.lower() else None
            )
            for batch in csv_batches(
                path, ("name", "caption"), expected="an RS5M caption list (name,caption)"
            ):
                valid = pc.and_(batch.column("name").is_valid(), batch.column("caption").is_valid())
                batch = batch.filter(valid)
                table = self._captions(
                    batch.column("name").cast(pa.string()), batch.column("caption"), None, family, next_id
                )
                next_id += table.num_rows
                yield table
        self._count = next_id

    def _captions(
        self, names: list[Any] | pa.Array, captions: Any, split: str | None, family: str | None, first: int
    ) -> pa.Table:
        n = len(names)
        name_array = names if isinstance(names, pa.Array) else pa.array(names, pa.string())
        return table_from_columns(
            ANNOTATION_SCHEMA,
            {
                "dataset": pa.array(np.full(n, self.name, dtype=object), pa.string()),
                "sample_id": pc.replace_substring_regex(name_array, r"\.[A-Za-z]+$", ""),
                "ann_id": np.arange(first, first + n, dtype=np.int64),
                "kind": pa.array(np.full(n, KIND_CAPTION, dtype=object), pa.string()),
                "source": _caption_sources(_subset(name_array, family), family),
                "split": pa.array(np.full(n, split, dtype=object), pa.string()),
                "output": captions if isinstance(captions, pa.Array) else pa.array(captions, pa.string()),
            },
            length=n,
        )

    def _spool_captions(self, shard: Path, names: list[str], captions: list[str]) -> None:
        """Keep one shard's captions in a scratch Arrow file until ``annotation_batches`` reads them, so each
        shard's headers are walked once and memory holds one shard's captions at a time."""
        if self._spool is None:
            self._spool = tempfile.TemporaryDirectory(prefix="eo-explorer-rs5m-")
        path = Path(self._spool.name) / f"{len(self._spooled):05d}.arrow"
        table = pa.table({"name": pa.array(names, pa.string()), "caption": pa.array(captions, pa.string())})
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        self._spooled[shard] = path

    def annotation_count_hint(self) -> int | None:
        return self._count

    # --- layers: the image bytes, read from the shard on demand -----------------------------------------
    def read_layer(self, sample: Mapping[str, Any], kind: str) -> xr.DataArray:
        image = str(sample.get("image") or "")
        match = re.fullmatch(r"(?P<shard>.+\.tar)#(?P<offset>\d+)\+(?P<size>\d+)", image)
        if kind != LAYER_S2 or match is None:
            return super().read_layer(sample, kind)
        shard = self.folder / match.group("shard")
        offset, size = int(match.group("offset")), int(match.group("size"))
        try:
            with open(shard, "rb") as handle:
                handle.seek(offset)
                data = handle.read(size)
        except FileNotFoundError as exc:
            raise MissingFileError(shard, SHARD_EXPECTED) from exc
        if len(data) != size:
            raise CorruptFileError(shard, f"{size:,} image bytes at byte {offset:,}", f"{len(data):,}")
        return rgb_layer(data, str(sample.get("sample_id")), f"{shard}#{offset}")

    def describe(self) -> dict[str, Any]:
        return {
            **describe_facts("rs5m"),
            "shards": len(self.shards),
            "caption_lists": [p.name for p in self.caption_lists],
        }
