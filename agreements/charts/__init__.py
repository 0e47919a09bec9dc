"""Server-side pictures of the record: the world map, status timelines and transfer flows as SVG, and PNG.

Each module is a set of pure functions from plain Python data (documented dataclasses) to standalone SVG text:
no database access, no JavaScript, every label escaped by the XML serialiser, status colours and labels from
`Arrangement` (the map page uses the same). `raster.svg_to_png` turns any of them into a PNG.
"""
