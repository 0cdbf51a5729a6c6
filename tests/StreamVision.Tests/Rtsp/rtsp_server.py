#!/usr/bin/python3
"""RTSP server for StreamVision's tests (GStreamer RTSP server from Debian packages).

usage: rtsp_server.py [--clock-offset SECONDS] [--no-rtcp] [--print-capture] PORT MOUNT=CLIP [MOUNT=CLIP ...]

Each client of a mount gets its own stream of the MP4 clip from its start, paced in real time
(identity sync=true), like a camera; the shared clips run minutes, longer than any test session.
CLIP "testsrc" is a live camera instead: a generated picture taken on the pipeline clock at
25 fps, encoded by x264 without B-frames.
Killing this process is a camera outage; starting it again, the camera coming back.
Binds 127.0.0.1 only. Prints READY on stdout once it listens.

The camera's clock: RTCP sender reports carry the pipeline clock as NTP time, mapped to the
capture (not send) time of each picture, one report a second. --clock-offset runs that clock
SECONDS away from this machine's wall clock (a camera whose clock is set differently), so a
receiver's capture times show whose clock they came from. (GStreamer pairs RTP and NTP time on
the decode timestamp: for a clip with B-frames its reports are off by the reordering delay.) --print-capture prints, for each
picture sent, "CAPTURE <rtp timestamp> <capture time on the camera's clock, Unix seconds>".
--no-rtcp sends no RTCP at all.
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

NTP_TO_UNIX_NS = 2208988800 * Gst.SECOND


def camera_clock(offset_seconds: float) -> Gst.Clock:
    """A real-time clock reading NTP time (1900 epoch) plus the offset."""
    clock = Gst.SystemClock(clock_type=Gst.ClockType.REALTIME)
    internal = clock.get_internal_time()
    clock.set_calibration(internal, internal + NTP_TO_UNIX_NS + int(offset_seconds * Gst.SECOND), 1, 1)
    return clock


def configure_rtcp(_factory, media):
    """Once prepared (rtpbin and its sessions exist, before PLAY): NTP in sender reports = the
    pipeline clock, paired with each picture's capture time, one report a second."""

    def prepared(media):
        elements = media.get_element().get_parent().iterate_elements()
        while True:
            result, element = elements.next()
            if result != Gst.IteratorResult.OK:
                break
            if element.get_factory() is not None and element.get_factory().get_name() == "rtpbin":
                element.set_property("ntp-time-source", "clock-time")
                element.set_property("rtcp-sync-send-time", False)
                for session_id in range(media.n_streams()):
                    session = element.emit("get-internal-session", session_id)
                    if session is not None:
                        session.set_property("rtcp-min-interval", Gst.SECOND)

    media.connect("prepared", prepared)


def print_captures(factory, media):
    pay = media.get_element().get_by_name("pay0")
    last = [None]

    def probe(pad, info):
        buffer = info.get_buffer()
        ok, data = buffer.map(Gst.MapFlags.READ)
        if ok:
            rtp = int.from_bytes(data.data[4:8], "big")
            buffer.unmap(data)
            if rtp != last[0] and buffer.pts != Gst.CLOCK_TIME_NONE:
                last[0] = rtp
                # Running time, not pts: encoders shift pts (x264enc by 1000 hours) and their segment with it.
                segment = pad.get_sticky_event(Gst.EventType.SEGMENT, 0).parse_segment()
                running = segment.to_running_time(Gst.Format.TIME, buffer.pts)
                capture = pay.get_base_time() + running - NTP_TO_UNIX_NS
                print(f"CAPTURE {rtp} {capture / Gst.SECOND:.6f}", flush=True)
        return Gst.PadProbeReturn.OK

    pay.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, probe)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clock-offset", type=float, default=0.0)
    parser.add_argument("--no-rtcp", action="store_true")
    parser.add_argument("--print-capture", action="store_true")
    # One stream for every client, as a camera has (a second connection joins it live, mid-stream).
    parser.add_argument("--shared", action="store_true")
    parser.add_argument("port")
    parser.add_argument("mounts", nargs="+")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer.new()
    server.set_address("127.0.0.1")
    server.set_service(args.port)
    mounts = server.get_mount_points()
    clock = camera_clock(args.clock_offset)
    for spec in args.mounts:
        mount, clip = spec.split("=", 1)
        factory = GstRtspServer.RTSPMediaFactory.new()
        if clip == "testsrc":
            # A live camera: pictures taken on the pipeline clock, encoded without B-frames, so each
            # picture's RTP time is its capture time in decode order too.
            factory.set_launch(
                "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 "
                "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 "
                "! rtph264pay name=pay0 pt=96 config-interval=1 )"
            )
        else:
            factory.set_launch(
                f'( filesrc location="{clip}" ! qtdemux ! h264parse ! identity sync=true '
                "! rtph264pay name=pay0 pt=96 config-interval=1 )"
            )
        factory.set_shared(args.shared)
        factory.connect("media-configure", configure_rtcp)
        factory.set_clock(clock)
        factory.set_enable_rtcp(not args.no_rtcp)
        if args.print_capture:
            factory.connect("media-configure", print_captures)
        mounts.add_factory(mount, factory)
    if server.attach(None) == 0:
        print("cannot listen", file=sys.stderr)
        return 1
    print("READY", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
