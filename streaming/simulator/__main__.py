"""python -m streaming.simulator --count 3 --base-port 9100 [--size 640x360]

Starts the demo cameras, prints one line per camera, runs until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading

from streaming.simulator.camera import demo_cameras


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m streaming.simulator", description=__doc__)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--base-port", type=int, default=9100)
    parser.add_argument("--size", default="640x360", help="WIDTHxHEIGHT of the feeds")
    args = parser.parse_args(argv)
    width, _, height = args.size.partition("x")
    cameras = demo_cameras(args.count, args.base_port, size=(int(width), int(height)))
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    try:
        for camera in cameras:
            camera.start()
            print(
                f"{camera.name}: feed {camera.feed_url}  VISCA udp {camera.control_address}"
                f"  ONVIF http://{camera.onvif_address}/onvif/device_service",
                flush=True,
            )
        done.wait()
    finally:
        for camera in cameras:
            camera.stop()


if __name__ == "__main__":
    main()
