"""Simulators that speak the devices' own bytes: a Modbus I/O module with loops and booms, an Evolis-style card
printer, an AM03127-style LED sign and MJPEG cameras, each in its own process on a pseudo-terminal or a loopback
port, with a JSON-lines control channel (`world_client.WorldClient`) and fault injection (`faults`).

`python -m devices.sim` starts the simulators of the configured lanes and prints their URLs.
"""
