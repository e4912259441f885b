"""The central database of many sites (issue 20): a PostgreSQL that every site pushes its rows to and supervisors
read across sites. `cluster` starts a local PostgreSQL (make central, the tests, the demo); `schema` applies the
versioned SQL migrations in `migrations/` and makes the roles; `ingest` writes one batch of a site's rows with the
daily aggregates; `sync` is the site's worker that pushes its outbox; `figures` and `report` make
`lane central report`; `cli` the `lane central` and `lane sync` commands. See docs/central.md.
"""
