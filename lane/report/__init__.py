"""Supervisor reports (`lane report`): figures read from the store, shown as a terminal table, CSV or one
self-contained HTML file with inline SVG charts.

`query` reads (read-only connection, one read transaction) and returns a `model.Report`; `render_text`,
`render_csv` and `render_html` (with `svg`) only format it; `cli` is the command. See docs/reports.md.
"""
