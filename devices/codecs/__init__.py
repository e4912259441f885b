"""Protocol codecs without I/O: bytes in, frames out; commands in, bytes out.

`evolis`: the card printer's escape command set. `sign`: the AM03127-style LED sign frames. Modbus RTU framing is
pymodbus's own `FramerRTU` (its client and server use it); `iomap` turns the I/O module's bits into named signals.
"""
