"""What every dataset reader provides. Readers never import Panel: they are plain data code.

A reader turns one dataset folder into the common model (``explorer.model``):

* ``samples()``: an Arrow table in ``SAMPLE_SCHEMA``;
* ``annotation_batches()``: Arrow tables in ``ANNOTATION_SCHEMA``, streamed in batches so that 9.6 M rows never
  sit in memory as Python objects;
* ``read_layer(sample, kind)``: one sample's layer as an ``xarray.DataArray`` with dims ``("band", "y", "x")``,
  a ``band`` coordinate of band names, and a CRS (rioxarray) when the file has one.

Layer conventions:
* ``s2``: multispectral; float32 reflectance (BigEarthNet DN / 10000) or uint8 as released (ChatEarthNet PNGs,
  ``attrs["scale"] = "8-bit"``). All bands on the finest grid; bands read at 20/60 m are repeated to that grid and
  listed in ``attrs["resampled_bands"]`` (``read_native_bands`` gives them at native size).
* ``s1``: bands ``VV``, ``VH``, float32 dB.
* ``landcover``: one band ``"landcover"`` of raw class codes; ``attrs["legend"]`` names a legend in
  ``explorer.legends.LEGENDS``.

Errors are ``explorer.errors`` types naming the file and what was expected. A reader that meets a bad record
while listing samples records a ``SampleProblem`` in ``self.problems`` and goes on.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa

if TYPE_CHECKING:  # xarray (~0.3-0.5 s of imports) only when a layer is read: not on the way to a page
    import xarray as xr

from ..errors import DataError
from ..model import SampleProblem


class DatasetSource(abc.ABC):
    """One dataset folder in one on-disk format."""

    #: short format name used by ``--format`` and stored in catalogs
    format_name: ClassVar[str]
    #: human-readable description for error messages and ``--help``
    description: ClassVar[str] = ""

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        self.root = Path(root).expanduser()
        if not self.root.exists():
            raise DataError(self.root, f"a {self.format_name} dataset folder", "no such folder")
        self.name = name or self.default_name()
        self.problems: list[SampleProblem] = []

    # --- detection --------------------------------------------------------------------------------------
    @classmethod
    @abc.abstractmethod
    def detect(cls, root: Path) -> bool:
        """True when ``root`` looks like this format (cheap: file names only, no full reads)."""

    @classmethod
    def detect_errors(cls, root: Path) -> list[DataError]:
        """Why a file that looks like this format could not be read (truncated, invalid), for when no format
        matched: the user then learns which file is broken and where, instead of "none matched"."""
        return []

    def default_name(self) -> str:
        return self.root.resolve().name

    # --- tables -----------------------------------------------------------------------------------------
    @abc.abstractmethod
    def samples(self) -> pa.Table:
        """All samples in ``SAMPLE_SCHEMA``."""

    def sample_ids_first(self) -> pa.Array | None:
        """The ids ``samples`` will list, in its order, when they come cheaper than the samples themselves: a
        parallel build then reads annotations while the rest of ``samples`` runs. None: not known ahead."""
        return None

    def annotation_batches(self) -> Iterator[pa.Table]:
        """Annotations in ``ANNOTATION_SCHEMA``, in batches. ``ann_id`` is unique within the dataset."""
        return iter(())

    # Parallel builds: a reader whose annotations split into independent parts (row groups of one file)
    # lists picklable part descriptors; the catalog reads the parts in worker processes, each through a fresh
    # reader, and hands each worker's report back to this reader. None: read sequentially.
    def annotation_partitions(self) -> list[Any] | None:
        return None

    def annotation_batches_of(self, partition: Any) -> Iterator[pa.Table]:
        """The annotation batches of one part listed by ``annotation_partitions``."""
        raise NotImplementedError(f"{self.format_name} does not split its annotations")

    def partition_report(self) -> Any:
        """What a worker's reader learnt while reading its part (picklable): its problems by default."""
        return list(self.problems)

    def merge_partition_reports(self, reports: list[Any]) -> None:
        """Take in every worker's ``partition_report``, in part order."""
        for report in reports:
            self.problems.extend(report)

    def annotation_count_hint(self) -> int | None:
        """Rows ``annotation_batches`` will yield, when cheap to know (drives the progress bar)."""
        return None

    # --- layers -----------------------------------------------------------------------------------------
    def read_layer(self, sample: Mapping[str, Any], kind: str) -> xr.DataArray:
        """One layer of one sample. ``sample`` is a row of ``samples()`` as a mapping."""
        raise DataError(
            None, f"a layer {kind!r} for {sample.get('sample_id')}", f"{self.format_name} has none"
        )

    def read_native_bands(self, sample: Mapping[str, Any]) -> dict[str, xr.DataArray]:
        """S2 bands at their native resolution, for formats that have several."""
        layer = self.read_layer(sample, "s2")
        return {str(b): layer.sel(band=b) for b in layer["band"].values}

    def describe(self) -> dict[str, Any]:
        """Facts for the comparison table that the tables cannot tell (modality, coverage, generation)."""
        return {}

    def problem(self, path: str | Path, reason: str, sample_id: str | None = None, kept: bool = False) -> None:
        """Record a skipped sample/record, or with ``kept`` a warning about data kept in the catalog."""
        self.problems.append(SampleProblem(str(path), reason, sample_id, kept))

