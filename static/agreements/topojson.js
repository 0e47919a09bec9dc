// Decodes the project's TopoJSON (quantised, delta-encoded arcs) into GeoJSON features for Leaflet.
// Our own few lines rather than a third-party library: the file format is small and fixed (scripts/build_boundaries.py).

export function decodeFeatures(topology, objectName) {
  const [kx, ky] = topology.transform.scale;
  const [dx, dy] = topology.transform.translate;
  const arcs = topology.arcs.map((arc) => {
    let x = 0;
    let y = 0;
    return arc.map(([ax, ay]) => {
      x += ax;
      y += ay;
      return [x * kx + dx, y * ky + dy];
    });
  });
  const arcPoints = (index) => (index >= 0 ? arcs[index] : arcs[~index].slice().reverse());
  const ring = (indexes) => {
    const points = [];
    indexes.forEach((index, k) => {
      const pts = arcPoints(index);
      for (let i = k ? 1 : 0; i < pts.length; i += 1) points.push(pts[i]);
    });
    return unwrap(points);
  };
  const features = [];
  topology.objects[objectName].geometries.forEach((g, index) => {
    let geometry = null;
    if (g.type === "Polygon") geometry = { type: "Polygon", coordinates: g.arcs.map(ring) };
    else if (g.type === "MultiPolygon") geometry = { type: "MultiPolygon", coordinates: g.arcs.map((p) => p.map(ring)) };
    // The index lets a more detailed file of the same topology (same geometries, same order) replace the shapes.
    if (geometry) features.push({ type: "Feature", id: g.id || null, properties: { index }, geometry });
  });
  return features;
}

// A ring that crosses the antimeridian (Fiji, Chukotka) jumps from +180 to -180 and would be drawn as a band
// around the world on a flat map. Shift the points after each jump by 360 degrees so the ring stays continuous;
// a ring around a pole (Antarctica) does not close that way and is kept as it is.
function unwrap(points) {
  let offset = 0;
  const out = [points[0]];
  for (let i = 1; i < points.length; i += 1) {
    const jump = points[i][0] - points[i - 1][0];
    if (jump > 180) offset -= 360;
    else if (jump < -180) offset += 360;
    out.push([points[i][0] + offset, points[i][1]]);
  }
  return offset === 0 ? out : points;
}
