"""Talking to hardware: one interface per device kind, virtual backends, codecs, transports, simulators."""
