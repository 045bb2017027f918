"""Caption-only comparison datasets (UCM, Sydney, RSICD, NWPU, RSICap, GeoChat): text first, imagery optional.

One class per on-disk format (FORMATS.md section 6):

* ``karpathy``: ``{"images": [{"filename", "split", "sentences": [{"raw"}]}], "dataset"}`` (UCM, Sydney,
  RSICD);
* ``coco-captions``: ``{"images": [{"id", "file_name"}], "annotations": [{"image_id", "caption"}]}``;
* ``nwpu``: ``dataset_nwpu.json``, ``{class name: [{"filename", "split", "raw", "raw_1", ...}]}``;
* ``rsicap``: ``{"annotations": [{"image_id", "filename", "text_input", "text_output"}]}``;
* (GeoChat / LLaVA conversations are streamed by ``geochat``; FIT-RS by ``fitrs``; both build on this module)
* ``sydney-original``: ``descriptions_SIDNEY.txt`` (``<image id> <caption>`` lines) and
  ``filenames_{train,val,test}.txt``.

The dataset path may be the folder or the annotation file itself. These sets carry no coordinates (position
"none"). A sample offers an RGB layer ``s2`` (bands R, G, B) only when its image file is found under
``images/`` or ``imgs/`` next to the annotation file.

Detection is precise but cheap: a file must contain the format's key names within its first and last 256 KB,
and then (when under 8 MB, as the classic sets are) parse to the expected structure; larger files
(GeoChat-Instruct is 263 MB) are judged by the structure their first bytes show.

About 600 lines on purpose: six readers of ~50 lines each on one shared base (``CaptionSource``: detection,
image lookup, the collected rows); apart, each would import the same private helpers from a sibling.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import xarray as xr

from ..errors import DataError, MissingFileError, SchemaError
from ..model import (
    ANNOTATION_SCHEMA,
    KIND_CAPTION,
    LAYER_S2,
    POSITION_NONE,
    SAMPLE_SCHEMA,
    table_from_columns,
)
from . import register
from ._io import list_column, read_json, rgb_layer
from .base import DatasetSource

PARSE_LIMIT = 8 * 2**20  # parse to confirm the structure below this size; peek above it
PEEK_BYTES = 256 * 1024
IMAGE_FOLDERS = ("images", "imgs")
RGB_BANDS = ["R", "G", "B"]
SPLIT_IN_NAME = re.compile(r"(?<![a-z])(train|val|test)", re.IGNORECASE)
ANNOTATION_BATCH_ROWS = 100_000

# Facts the tables cannot tell, for the comparison table (ChatEarthNet review response, Table A1).
KNOWN_DATASETS: dict[str, dict[str, str]] = {
    "ucm": {"modality": "RGB aerial (UC Merced, USGS)", "coverage": "regional", "generation": "human"},
    "sydney": {
        "modality": "RGB aerial (Sydney, Google Earth)",
        "coverage": "regional",
        "generation": "human",
    },
    "rsicd": {
        "modality": "RGB aerial (Google Earth, Baidu Map, MapABC, Tianditu)",
        "coverage": "regional",
        "generation": "human",
    },
    "nwpu": {"modality": "RGB aerial (NWPU-RESISC45)", "coverage": "regional", "generation": "human"},
    "rsicap": {"modality": "RGB aerial (DOTA)", "coverage": "regional", "generation": "human (expert)"},
    "geochat": {
        "modality": "RGB aerial (several public datasets)",
        "coverage": "regional",
        "generation": "templates + LLM",
    },
}


def _stem(name: str) -> str:
    return Path(name.replace("\\", "/")).stem


def _file_name(name: str) -> str:
    return Path(name.replace("\\", "/")).name


def _peek(path: Path) -> str:
    """First and last PEEK_BYTES of a file as text (the whole file when small)."""
    with open(path, "rb") as handle:
        head = handle.read(PEEK_BYTES)
        size = os.fstat(handle.fileno()).st_size
        tail = b""
        if size > PEEK_BYTES:
            handle.seek(max(size - PEEK_BYTES, PEEK_BYTES))
            tail = handle.read(PEEK_BYTES)
    return (head + b"\n" + tail).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")


class _Collected:
    """Columns gathered while reading: one entry per sample (first appearance wins) and per annotation."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.sample_id: list[str] = []
        self.image: list[str] = []
        self.sample_split: list[str | None] = []
        self.labels: list[list[str]] = []
        self.ann_sample: list[str] = []
        self.ann_split: list[str | None] = []
        self.ann_input: list[str | None] = []
        self.ann_output: list[str] = []
        self.ann_category: list[str | None] = []
        self.ann_extra: list[str | None] = []

    def sample(self, sample_id: str, image: str, split: str | None, labels: list[str] | None = None) -> None:
        if sample_id in self.seen:
            return
        self.seen.add(sample_id)
        self.sample_id.append(sample_id)
        self.image.append(image)
        self.sample_split.append(split)
        self.labels.append(labels or [])

    def text(
        self,
        sample_id: str,
        output: str,
        split: str | None,
        prompt: str | None = None,
        category: str | None = None,
        extra: str | None = None,
    ) -> None:
        self.ann_sample.append(sample_id)
        self.ann_output.append(output)
        self.ann_split.append(split)
        self.ann_input.append(prompt)
        self.ann_category.append(category)
        self.ann_extra.append(extra)


class CaptionSource(DatasetSource):
    """Shared machinery: find the annotation files, collect columns once, attach optional RGB images."""

    #: file names this format may use
    file_glob: ClassVar[str] = "*.json"
    #: key names that must all occur in the first/last bytes of a candidate file
    tokens: ClassVar[tuple[str, ...]] = ()
    #: first character of the JSON document ("{" or "[")
    opener: ClassVar[str] = "{"
    #: who wrote the texts
    source_label: ClassVar[str] = "human"
    annotation_kind: ClassVar[str] = KIND_CAPTION
    #: folders next to the annotation file that may hold the images
    image_folders: ClassVar[tuple[str, ...]] = IMAGE_FOLDERS

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        root = Path(root).expanduser()
        if not root.exists():
            raise DataError(root, f"a {self.format_name} file or folder", "no such file or folder")
        self.folder = root if root.is_dir() else root.parent
        self.files: list[Path] = []
        errors: list[DataError] = []
        for path in self.candidates(root):
            try:
                if self.check(path):
                    self.files.append(path)
            except DataError as exc:  # e.g. a captions file with the right keys that is not valid JSON
                errors.append(exc)
        if not self.files:
            if errors:
                raise errors[0]
            raise SchemaError(root, self.description, "no file of that shape")
        self._collected: tuple[pa.Table, pa.Table] | None = None
        super().__init__(root, name)

    # --- detection ------------------------------------------------------------------------------------------
    @classmethod
    def candidates(cls, root: Path) -> list[Path]:
        if root.is_file():
            return [root]
        if root.is_dir():
            return sorted(path for path in root.glob(cls.file_glob) if path.is_file())
        return []

    @classmethod
    def check(cls, path: Path) -> bool:
        """Cheap token test first; then the parsed structure (small files) or the opening bytes (large).

        Raises ``CorruptFileError`` for a file that has the format's key names but is not valid JSON.
        """
        try:
            text = _peek(path)
        except OSError:
            return False
        if not text.startswith(cls.opener) or not all(f'"{token}"' in text for token in cls.tokens):
            return False
        if path.stat().st_size > PARSE_LIMIT:
            return True
        return cls.shape_ok(read_json(path))

    @classmethod
    def matches(cls, path: Path) -> bool:
        try:
            return cls.check(path)
        except (OSError, DataError):
            return False

    @classmethod
    def shape_ok(cls, document: Any) -> bool:
        raise NotImplementedError

    @classmethod
    def detect(cls, root: Path) -> bool:
        return any(cls.matches(path) for path in cls.candidates(root))

    @classmethod
    def detect_errors(cls, root: Path) -> list[DataError]:
        errors: list[DataError] = []
        for path in cls.candidates(root):
            try:
                cls.check(path)
            except DataError as exc:
                errors.append(exc)
            except OSError:
                continue
        return errors

    def default_name(self) -> str:
        return self.folder.resolve().name

    # --- reading --------------------------------------------------------------------------------------------
    def collect(self, into: _Collected) -> None:
        """Fill ``into`` from ``self.files``; bad records go to ``self.problem`` and are skipped."""
        raise NotImplementedError

    def _tables(self) -> tuple[pa.Table, pa.Table]:
        if self._collected is None:
            collected = _Collected()
            self.collect(collected)
            self._collected = (self._samples_table(collected), self._annotations_table(collected))
        return self._collected

    def _samples_table(self, collected: _Collected) -> pa.Table:
        index = self._image_index()
        images = [index.get(name, name) for name in collected.image]
        found = np.array([name in index for name in collected.image], dtype=bool)
        count = len(images)
        return table_from_columns(
            SAMPLE_SCHEMA,
            {
                "dataset": [self.name] * count,
                "sample_id": collected.sample_id,
                "split": collected.sample_split,
                "lat": np.full(count, np.nan),
                "lon": np.full(count, np.nan),
                "position": [POSITION_NONE] * count,
                "labels": pa.array(collected.labels, pa.list_(pa.string())),
                "layers": list_column({LAYER_S2: found}, count),
                "image": images,
                "flags": list_column({}, count),
            },
            length=count,
        )

    def _annotations_table(self, collected: _Collected) -> pa.Table:
        count = len(collected.ann_sample)
        columns: dict[str, Any] = {
            "dataset": [self.name] * count,
            "sample_id": collected.ann_sample,
            "ann_id": np.arange(count, dtype=np.int64),
            "kind": [self.annotation_kind] * count,
            "source": [self.source_label] * count,
            "split": collected.ann_split,
            "input": collected.ann_input,
            "output": collected.ann_output,
            "category": collected.ann_category,
            "extra": collected.ann_extra,
        }
        inputs = pa.array(collected.ann_input, pa.string())
        columns.update(self.extra_columns(inputs, pa.array(collected.ann_output, pa.string())))
        return table_from_columns(ANNOTATION_SCHEMA, columns, length=count)

    def extra_columns(self, inputs: pa.Array, outputs: pa.Array) -> dict[str, Any]:
        """Parsed columns a format adds (categories, boxes); none by default."""
        return {}

    def _image_index(self) -> dict[str, str]:
        """Image file name -> path relative to the folder, for images under images/ or imgs/ (walked once)."""
        index: dict[str, str] = {}
        for top in self.image_folders:
            base = self.folder / top
            if not base.is_dir():
                continue
            for directory, _, names in os.walk(base):
                relative = Path(directory).relative_to(self.folder)
                for name in names:
                    index.setdefault(name, (relative / name).as_posix())
        return index

    # --- tables ---------------------------------------------------------------------------------------------
    def samples(self) -> pa.Table:
        return self._tables()[0]

    def annotation_batches(self) -> Iterator[pa.Table]:
        annotations = self._tables()[1]
        for start in range(0, annotations.num_rows, ANNOTATION_BATCH_ROWS):
            yield annotations.slice(start, ANNOTATION_BATCH_ROWS)

    def annotation_count_hint(self) -> int | None:
        return self._collected[1].num_rows if self._collected is not None else None

    # --- layers ---------------------------------------------------------------------------------------------
    def read_layer(self, sample: Mapping[str, Any], kind: str) -> xr.DataArray:
        if kind != LAYER_S2:
            return super().read_layer(sample, kind)
        path = self.folder / str(sample.get("image") or "")
        if not path.is_file() or not sample.get("image"):
            raise MissingFileError(path, f"the image of {sample.get('sample_id')} under images/ or imgs/")
        return rgb_layer(path, str(sample.get("sample_id")), path)

    def describe(self) -> dict[str, Any]:
        key = self.name.lower()
        for known, facts in KNOWN_DATASETS.items():
            if known in key:
                return dict(facts)
        return {"modality": "RGB aerial", "coverage": "regional", "generation": "unknown"}


def _first_item(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else None


def _object(path: Path) -> dict[str, Any]:
    """The file's JSON document, which must be an object (large files were only peeked at detection)."""
    document = read_json(path)
    if not isinstance(document, dict):
        raise SchemaError(path, "a JSON object at the top level", type(document).__name__)
    return document


@register
class KarpathySource(CaptionSource):
    """UCM-Captions, Sydney-Captions, RSICD as "Karpathy" JSON (splits inside, five sentences per image)."""

    format_name = "karpathy"
    description = 'a "Karpathy" caption JSON: {"images": [{"filename", "split", "sentences": [{"raw"}]}]}'
    tokens = ("images", "sentences")

    @classmethod
    def shape_ok(cls, document: Any) -> bool:
        first = _first_item(document.get("images")) if isinstance(document, dict) else None
        return isinstance(first, dict) and isinstance(first.get("sentences"), list) and "filename" in first

    def default_name(self) -> str:
        """The JSON's own "dataset" field (UCM, sydney, rsicd), else the folder name."""
        dataset = _object(self.files[0]).get("dataset")
        return dataset if isinstance(dataset, str) and dataset else super().default_name()

    def collect(self, into: _Collected) -> None:
        for path in self.files:
            document = _object(path)
            for index, image in enumerate(document.get("images") or []):
                filename = image.get("filename") if isinstance(image, dict) else None
                if not isinstance(filename, str) or not filename:
                    self.problem(path, f"images[{index}]: expected an object with a 'filename'")
                    continue
                sample_id, split = _stem(filename), image.get("split")
                split = split if isinstance(split, str) else None
                into.sample(sample_id, _file_name(filename), split)
                sentences = image.get("sentences")
                if not isinstance(sentences, list):
                    self.problem(path, f"images[{index}]: expected a 'sentences' list", sample_id)
                    continue
                # Keep duplicates: datasets pad to five sentences and the published pair counts include them.
                for number, sentence in enumerate(sentences):
                    raw = sentence.get("raw") if isinstance(sentence, dict) else None
                    if not isinstance(raw, str) and isinstance(sentence, dict):
                        tokens = sentence.get("tokens")
                        if isinstance(tokens, list) and all(isinstance(t, str) for t in tokens):
                            raw = " ".join(tokens)
                    if not isinstance(raw, str):
                        self.problem(
                            path, f"images[{index}].sentences[{number}]: expected 'raw' text", sample_id
                        )
                        continue
                    into.text(sample_id, raw, split)


@register
class CocoCaptionsSource(CaptionSource):
    """COCO-captions JSON (RSICD as converted); the split comes from the file name (captions_val2017.json)."""

    format_name = "coco-captions"
    description = (
        'a COCO captions JSON: {"images": [{"id", "file_name"}], "annotations": [{"image_id", "caption"}]}'
    )
    tokens = ("file_name", "caption")

    @classmethod
    def shape_ok(cls, document: Any) -> bool:
        if not isinstance(document, dict):
            return False
        image, annotation = _first_item(document.get("images")), _first_item(document.get("annotations"))
        return (
            isinstance(image, dict)
            and "file_name" in image
            and isinstance(annotation, dict)
            and "caption" in annotation
            and "image_id" in annotation
        )

    def collect(self, into: _Collected) -> None:
        for path in self.files:
            found = SPLIT_IN_NAME.search(path.stem)
            split = found.group(1).lower() if found else None
            document = _object(path)
            names: dict[Any, str] = {}
            for index, image in enumerate(document.get("images") or []):
                filename = image.get("file_name") if isinstance(image, dict) else None
                if not isinstance(filename, str) or not filename or isinstance(image.get("id"), (list, dict)):
                    self.problem(path, f"images[{index}]: expected an object with 'id' and 'file_name'")
                    continue
                names[image.get("id")] = filename
                into.sample(_stem(filename), _file_name(filename), split)
            for index, annotation in enumerate(document.get("annotations") or []):
                if not isinstance(annotation, dict) or not isinstance(annotation.get("caption"), str):
                    self.problem(path, f"annotations[{index}]: expected an object with a 'caption' string")
                    continue
                image_id = annotation.get("image_id")
                filename = names.get(image_id) if isinstance(image_id, (int, str)) else None
                if filename is None:
                    self.problem(path, f"annotations[{index}]: image_id {image_id!r} is not in 'images'")
                    continue
                into.text(_stem(filename), annotation["caption"], split)


@register
class NwpuSource(CaptionSource):
    """NWPU-Captions: dataset_nwpu.json maps each of the 45 scene classes to its images and five captions."""

    format_name = "nwpu"
    description = (
        'NWPU-Captions dataset_nwpu.json: {class name: [{"filename", "split", "raw", "raw_1", ...}]}'
    )
    tokens = ("filename", "raw_1")

    @classmethod
    def shape_ok(cls, document: Any) -> bool:
        if (
            not isinstance(document, dict)
            or not document
            or "images" in document
            or "annotations" in document
        ):
            return False
        if not all(isinstance(records, list) for records in document.values()):
            return False
        first = next((records[0] for records in document.values() if records), None)
        return isinstance(first, dict) and "filename" in first and "raw" in first

    def collect(self, into: _Collected) -> None:
        for path in self.files:
            document = _object(path)
            for class_name, records in document.items():
                if not isinstance(records, list):
                    self.problem(path, f"{class_name!r}: expected a list of image records")
                    continue
                for index, record in enumerate(records):
                    filename = record.get("filename") if isinstance(record, dict) else None
                    if not isinstance(filename, str) or not filename:
                        self.problem(path, f"{class_name}[{index}]: expected an object with a 'filename'")
                        continue
                    sample_id, split = _stem(filename), record.get("split")
                    split = split if isinstance(split, str) else None
                    into.sample(sample_id, _file_name(filename), split, [class_name])
                    keys = sorted(
                        (key for key in record if re.fullmatch(r"raw(_\d+)?", key)),
                        key=lambda key: int(key[4:] or 0),
                    )
                    for key in keys:
                        if isinstance(record[key], str):
                            into.text(sample_id, record[key], split)
                        else:
                            self.problem(path, f"{class_name}[{index}].{key}: expected text", sample_id)


@register
class RsicapSource(CaptionSource):
    """RSICap (RSGPT): 2,585 expert captions of DOTA images, each answering an instruction."""

    format_name = "rsicap"
    description = (
        'RSICap captions.json: {"annotations": [{"image_id", "filename", "text_input", "text_output"}]}'
    )
    tokens = ("annotations", "text_output")

    @classmethod
    def shape_ok(cls, document: Any) -> bool:
        first = _first_item(document.get("annotations")) if isinstance(document, dict) else None
        return (
            isinstance(first, dict)
            and "text_output" in first
            and ("filename" in first or "image_id" in first)
        )

    def collect(self, into: _Collected) -> None:
        for path in self.files:
            document = _object(path)
            for index, record in enumerate(document.get("annotations") or []):
                if not isinstance(record, dict) or not isinstance(record.get("text_output"), str):
                    self.problem(
                        path, f"annotations[{index}]: expected an object with a 'text_output' string"
                    )
                    continue
                filename = record.get("filename")
                if not isinstance(filename, str) or not filename:
                    if not isinstance(record.get("image_id"), (str, int)):
                        self.problem(path, f"annotations[{index}]: expected a 'filename' or 'image_id'")
                        continue
                    filename = str(record["image_id"])
                sample_id = _stem(filename)
                into.sample(sample_id, _file_name(filename), None)
                prompt = record.get("text_input")
                into.text(
                    sample_id,
                    record["text_output"],
                    None,
                    prompt if isinstance(prompt, str) and prompt else None,
                )


@register
class SydneyOriginalSource(CaptionSource):
    """Sydney-Captions as first released: ``<image id> <caption>`` lines (CRLF), one file list per split."""

    format_name = "sydney-original"
    description = "descriptions_<NAME>.txt ('<image id> <caption>' lines) with filenames_{train,val,test}.txt"
    file_glob = "descriptions_*.txt"

    @classmethod
    def check(cls, path: Path) -> bool:
        if not path.name.startswith("descriptions_") or path.suffix.lower() != ".txt":
            return False
        if not any((path.parent / f"filenames_{split}.txt").is_file() for split in ("train", "val", "test")):
            return False
        try:
            first = next((line for line in _peek(path).splitlines() if line.strip()), "")
        except OSError:
            return False
        return re.match(r"^\d+\s+\S", first) is not None

    def _lines(self, path: Path) -> list[str]:
        try:
            return path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            raise MissingFileError(path, "a text file") from exc

    def collect(self, into: _Collected) -> None:
        split_of: dict[str, str] = {}
        for split_name in ("train", "val", "test"):
            listing = self.folder / f"filenames_{split_name}.txt"
            if listing.is_file():
                for line in self._lines(listing):
                    if line.strip():
                        split_of.setdefault(_stem(line.strip()), split_name)
        for path in self.files:
            for number, line in enumerate(self._lines(path), start=1):
                if not line.strip():
                    continue
                parts = line.strip().split(maxsplit=1)
                if len(parts) != 2 or not parts[0].isdigit():
                    self.problem(path, f"line {number}: expected '<image id> <caption>'")
                    continue
                sample_id, caption = parts
                split = split_of.get(sample_id)
                into.sample(sample_id, f"{sample_id}.tif", split)
                into.text(sample_id, caption, split)
