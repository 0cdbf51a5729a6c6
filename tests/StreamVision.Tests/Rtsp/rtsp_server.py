#!/usr/bin/python3
"""RTSP server for StreamVision's tests (GStreamer RTSP server from Debian packages).

usage: rtsp_server.py PORT MOUNT=CLIP [MOUNT=CLIP ...]

Each client of a mount gets its own stream of the MP4 clip from its start, paced in real time
(identity sync=true), like a camera; the shared clips run minutes, longer than any test session.
Killing this process is a camera outage; starting it again, the camera coming back.
Binds 127.0.0.1 only. Prints READY on stdout once it listens.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    Gst.init(None)
    server = GstRtspServer.RTSPServer.new()
    server.set_address("127.0.0.1")
    server.set_service(sys.argv[1])
    mounts = server.get_mount_points()
    for spec in sys.argv[2:]:
        mount, clip = spec.split("=", 1)
        factory = GstRtspServer.RTSPMediaFactory.new()
        factory.set_launch(
            f'( filesrc location="{clip}" ! qtdemux ! h264parse ! identity sync=true '
            "! rtph264pay name=pay0 pt=96 config-interval=1 )"
        )
        factory.set_shared(False)
        mounts.add_factory(mount, factory)
    if server.attach(None) == 0:
        print("cannot listen", file=sys.stderr)
        return 1
    print("READY", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
