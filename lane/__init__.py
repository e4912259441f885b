"""Running a site: per-lane machines built from a flow, the controller, clock, store, config and CLI."""
