"""Simulated PTZ cameras for development, demos and tests: each answers VISCA over IP
(UDP) and ONVIF PTZ (SOAP/HTTP) like a real head, and serves a live SRT feed of a
synthetic council chamber that follows its pan, tilt and zoom, with its name, a
clock and a machine-readable clock barcode burnt in (see `clock`).

Run several with `python -m streaming.simulator --count 3 --base-port 9100`.
"""

from streaming.simulator.camera import DEMO_COLOURS, SimulatedCamera, demo_cameras
from streaming.simulator.clock import CLOCK_BARCODE, decode_clock

__all__ = ["CLOCK_BARCODE", "DEMO_COLOURS", "SimulatedCamera", "decode_clock", "demo_cameras"]
