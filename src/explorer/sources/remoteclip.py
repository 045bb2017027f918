"""RemoteCLIP (Liu et al., IEEE TGRS 2024; ChenDelong1999/RemoteCLIP): the caption CSVs of its training data.

Released layout (FORMATS.md section 7, [third-party]: four independent loaders agree)::

    csv_file/train/{Ret-3_train, Det-10, Seg-4}.csv     csv_file/test/*.csv
        TAB-separated, header ``title<TAB>filename`` (caption first), e.g. ``... <TAB>rsitmd_airport_1.png``
    data/{Ret-3_train, Ret-3_test, Det-10_part1, Det-10_part2, Seg-4}.zip     the images

* one sample per file name: id = the name without its suffix (the dataset prefix keeps ids unique), ``subset``
  = the dataset prefix before the first ``_`` (``rsitmd``, ``rsicd``, ``ucm``, ``dota``, ...), split from the
  ``train`` / ``test`` folder;
* one caption annotation per row, ``category`` = the CSV it came from; ``source`` ``human`` for the retrieval
  sets (Ret-3: RSICD, RSITMD, UCM captions) and ``rule-based`` for the captions RemoteCLIP generated from
  detection boxes and segmentation masks (Det-10, Seg-4) [from the paper];
* images: when ``data/*.zip`` are present their directories are listed (cheap: the zip central directory) and
  a sample's ``image`` is ``<zip>#<member>``, read on demand; no position (the sources carry none).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Mapping
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
    SAMPLE_SCHEMA,
    table_from_columns,
)
from . import register
from ._io import list_column, rgb_layer
from ._stream import csv_batches, csv_header
from .base import DatasetSource
from .facts import describe_facts

HEADER = ["title", "filename"]
EXPECTED = "a RemoteCLIP caption CSV: tab-separated, header title<TAB>filename"
RULE_BASED = re.compile(r"^(Det|Seg)-", re.IGNORECASE)


def _is_caption_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv" and csv_header(path, "\t")[:2] == HEADER


@register
class RemoteClipSource(DatasetSource):
    """RemoteCLIP caption CSVs, with images from its zips when present."""

    format_name = "remoteclip"
    description = EXPECTED

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        path = Path(root).expanduser()
        self.folder = self._dataset_folder(path)
        super().__init__(root, name)
        self.files = [p for p in self._candidates(self.root) if _is_caption_csv(p)]
        if not self.files:
            raise SchemaError(self.root, EXPECTED, "no such CSV")
        self._samples: pa.Table | None = None
        self._rows: int | None = None

    @staticmethod
    def _dataset_folder(path: Path) -> Path:
        folder = path if path.is_dir() else path.parent
        for parent in (folder, *folder.parents):
            if parent.name == "csv_file":
                return parent.parent
        return folder

    @staticmethod
    def _candidates(root: Path) -> list[Path]:
        if root.is_file():
            return [root]
        if not root.is_dir():
            return []
        base = root / "csv_file" if (root / "csv_file").is_dir() else root
        return sorted(p for p in base.rglob("*.csv") if p.is_file())

    @classmethod
    def detect(cls, root: Path) -> bool:
        return any(_is_caption_csv(p) for p in cls._candidates(root))

    def default_name(self) -> str:
        return self.folder.resolve().name

    @staticmethod
    def _split_of(path: Path) -> str | None:
        parent = path.parent.name.lower()
        if parent in ("train", "test", "val"):
            return parent
        match = re.search(r"(train|test|val)", path.stem, re.IGNORECASE)
        return match.group(1).lower() if match else None

    def _batches(self, path: Path) -> Iterator[pa.RecordBatch]:
        return csv_batches(path, HEADER, delimiter="\t", expected=EXPECTED)

    # --- samples -----------------------------------------------------------------------------------------
    def samples(self) -> pa.Table:
        if self._samples is None:
            names, splits = [], []
            rows = 0
            for path in self.files:
                split = self._split_of(path)
                for batch in self._batches(path):
                    column = batch.column("filename")
                    names.append(column)
                    splits.append(pa.array(np.full(len(column), split, dtype=object), pa.string()))
                    rows += len(column)
            self._rows = rows
            filename = pa.chunked_array(names, pa.string()).combine_chunks()
            split_array = pa.chunked_array(splits, pa.string()).combine_chunks()
            keep = filename.is_valid().to_numpy(zero_copy_only=False)
            keep &= ~pd.Series(filename.to_numpy(zero_copy_only=False)).duplicated().to_numpy()
            filename, split_array = filename.filter(pa.array(keep)), split_array.filter(pa.array(keep))
            n = len(filename)
            zips = self._zip_index()
            images = [zips.get(name, name) for name in filename.to_pylist()]
            has_image = np.array([name in zips for name in filename.to_pylist()], dtype=bool)
            subset = pc.extract_regex(filename, r"^(?P<prefix>[A-Za-z0-9-]+)_").field("prefix")
            self._samples = table_from_columns(
                SAMPLE_SCHEMA,
                {
                    "dataset": pa.array(np.full(n, self.name, dtype=object), pa.string()),
                    "sample_id": pc.replace_substring_regex(filename, r"\.[A-Za-z]+$", ""),
                    "split": split_array,
                    "lat": np.full(n, np.nan),
                    "lon": np.full(n, np.nan),
                    "position": pa.array(np.full(n, POSITION_NONE, dtype=object), pa.string()),
                    "labels": list_column({}, n),
                    "layers": list_column({LAYER_S2: has_image}, n),
                    "image": pa.array(images, pa.string()),
                    "flags": list_column({}, n),
                    "subset": pc.utf8_lower(subset),
                },
                length=n,
            )
        return self._samples

    def _zip_index(self) -> dict[str, str]:
        """Image file name -> ``<zip>#<member>`` for the zips under data/ (their directories only)."""
        index: dict[str, str] = {}
        data = self.folder / "data"
        for archive in sorted(data.glob("*.zip")) if data.is_dir() else []:
            try:
                with zipfile.ZipFile(archive) as handle:
                    members = handle.namelist()
            except (zipfile.BadZipFile, OSError) as exc:
                self.problem(
                    archive, f"expected a readable zip of images ({exc}); its images are not offered"
                )
                continue
            relative = archive.relative_to(self.folder).as_posix()
            for member in members:
                if not member.endswith("/"):
                    index.setdefault(member.rsplit("/", 1)[-1], f"{relative}#{member}")
        return index

    # --- annotations -------------------------------------------------------------------------------------
    def annotation_batches(self) -> Iterator[pa.Table]:
        next_id = 0
        for path in self.files:
            split = self._split_of(path)
            source = "rule-based" if RULE_BASED.match(path.stem) else "human"
            for batch in self._batches(path):
                batch = batch.filter(
                    pc.and_(batch.column("filename").is_valid(), batch.column("title").is_valid())
                )
                n = batch.num_rows
                yield table_from_columns(
                    ANNOTATION_SCHEMA,
                    {
                        "dataset": pa.array(np.full(n, self.name, dtype=object), pa.string()),
                        "sample_id": pc.replace_substring_regex(
                            batch.column("filename"), r"\.[A-Za-z]+$", ""
                        ),
                        "ann_id": np.arange(next_id, next_id + n, dtype=np.int64),
                        "kind": pa.array(np.full(n, KIND_CAPTION, dtype=object), pa.string()),
                        "source": pa.array(np.full(n, source, dtype=object), pa.string()),
                        "split": pa.array(np.full(n, split, dtype=object), pa.string()),
                        "category": pa.array(np.full(n, path.stem, dtype=object), pa.string()),
                        "output": batch.column("title"),
                    },
                    length=n,
                )
                next_id += n

    def annotation_count_hint(self) -> int | None:
        return self._rows

    # --- layers ------------------------------------------------------------------------------------------
    def read_layer(self, sample: Mapping[str, Any], kind: str) -> xr.DataArray:
        image = str(sample.get("image") or "")
        if kind != LAYER_S2 or "#" not in image:
            return super().read_layer(sample, kind)
        archive, member = image.split("#", 1)
        path = self.folder / archive
        try:
            with zipfile.ZipFile(path) as handle:
                data = handle.read(member)
        except FileNotFoundError as exc:
            raise MissingFileError(path, "a RemoteCLIP image zip") from exc
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise CorruptFileError(path, f"a zip holding {member}", str(exc)) from exc
        return rgb_layer(data, str(sample.get("sample_id")), f"{path}#{member}")

    def describe(self) -> dict[str, Any]:
        return {**describe_facts("remoteclip"), "files": [p.name for p in self.files]}
