"""Reading number plates, pure (no camera, no lane code, no file or network I/O): `grammar` (the TNKB grammar and
region table), `locate` (plate candidates in a frame), `line` (level and clean a plate's main and expiry lines),
`engine` (Tesseract: tesserocr or pytesseract), `decode` (grammar-constrained characters), `reader` (`PlateReader`,
the `Reader` the lane calls), `vote` (agreement across frames), `reading` (what a reader returns)."""
