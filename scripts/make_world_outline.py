"""Write src/explorer/data/world.geojson: the offline world outline and country table.

Source: Natural Earth 1:110m admin-0 countries (public domain), as bundled in the geopandas 0.14 wheel
(`pip download --no-deps geopandas==0.14.4`, file geopandas/datasets/naturalearth_lowres/*). Geometries are
simplified and coordinates rounded to keep the committed file small. Run once; the output is committed.

    python scripts/make_world_outline.py path/to/naturalearth_lowres.shp
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shapefile  # pyshp
from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parents[1] / "src" / "explorer" / "data" / "world.geojson"


def _rounded(coords, digits=2):
    if isinstance(coords[0], (int, float)):
        return [round(c, digits) for c in coords]
    return [_rounded(c, digits) for c in coords]


def main(shp_path: str) -> None:
    reader = shapefile.Reader(shp_path)
    fields = [f[0] for f in reader.fields[1:]]
    features = []
    for rec, shp in zip(reader.records(), reader.shapes(), strict=False):
        attrs = dict(zip(fields, rec, strict=False))
        geom = shape(shp.__geo_interface__).simplify(0.05, preserve_topology=True)
        gj = mapping(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": attrs["name"],
                    "continent": attrs["continent"],
                    "iso_a3": attrs["iso_a3"],
                },
                "geometry": {"type": gj["type"], "coordinates": _rounded(gj["coordinates"])},
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")))
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB, {len(features)} countries)")


if __name__ == "__main__":
    main(sys.argv[1])
