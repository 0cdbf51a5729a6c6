using System.Buffers.Binary;
using System.Text;
using StreamVision.Ingest.Decoders;
using StreamVision.Ingest.Rtsp;

namespace StreamVision.Tests.Unit;

/// <summary>The pieces of the capture clock that need no server: RTP/NTP arithmetic, the RTSP byte
/// stream watcher, device timestamps, recording dates.</summary>
public sealed class CaptureClockTests
{
    private static ulong Ntp(DateTimeOffset t)
    {
        var unix = (t - DateTimeOffset.UnixEpoch).Ticks;
        var seconds = (ulong)(unix / TimeSpan.TicksPerSecond + 2_208_988_800L);
        var fraction = (ulong)((unix % TimeSpan.TicksPerSecond) * (double)(1UL << 32) / TimeSpan.TicksPerSecond);
        return (seconds << 32) | fraction;
    }

    [Fact]
    public void A_picture_gets_the_time_of_the_latest_sender_report_moved_by_its_rtp_distance_across_the_32_bit_wrap()
    {
        var clock = new SenderClock();
        var first = uint.MaxValue - 9_000; // wraps 0.1 s in
        clock.OnRtp(first - 3600); // before the PLAY reply: FFmpeg drops it, and so does the clock
        clock.Play(0, null);
        clock.OnRtp(first);
        Assert.Null(clock.CaptureTimeOf(0)); // no report yet
        var reportTime = DateTimeOffset.UtcNow;
        clock.OnSenderReport(Ntp(reportTime), first);
        Assert.Equal(reportTime, clock.CaptureTimeOf(0)!.Value, TimeSpan.FromMicroseconds(1));
        for (var i = 1; i <= 10; i++)
        {
            clock.OnRtp(unchecked(first + (uint)(i * 3600))); // 25 fps
        }
        // pts 0.4 s is RTP first + 36 000, past the wrap.
        Assert.Equal(reportTime.AddSeconds(0.4), clock.CaptureTimeOf(0.4)!.Value, TimeSpan.FromMicroseconds(1));
        // A later report, itself after the wrap, takes over.
        var later = reportTime.AddSeconds(0.3).AddMilliseconds(2); // the sender's clock ran 2 ms ahead of RTP time
        clock.OnSenderReport(Ntp(later), unchecked(first + 27_000));
        Assert.Equal(later.AddSeconds(0.1), clock.CaptureTimeOf(0.4)!.Value, TimeSpan.FromMicroseconds(1));
        // A pts no packet had (a guessed timestamp, a wrong origin) gets no time: the caller keeps arrival time.
        Assert.Null(clock.CaptureTimeOf(0.41));
        Assert.Equal(2, clock.Reports);
    }

    [Fact]
    public void The_play_replys_range_start_is_taken_off_as_ffmpeg_adds_it()
    {
        var clock = new SenderClock();
        clock.SetClockRate(90_000);
        clock.Play(12.5, rtpInfoTime: 910);
        clock.OnRtp(1000); // FFmpeg counts from RTP-Info's rtptime: pts = (1000 − 910) / 90 000 + 12.5
        var at = DateTimeOffset.UtcNow;
        clock.OnSenderReport(Ntp(at), 1000);
        Assert.Equal(at, clock.CaptureTimeOf(12.5 + 90 / 90_000.0)!.Value, TimeSpan.FromMicroseconds(1));
        Assert.Null(clock.CaptureTimeOf(12.5));
        // A second PLAY (FFmpeg reconnected on the same relay) starts over.
        clock.Play(0, null);
        Assert.Null(clock.CaptureTimeOf(12.5 + 90 / 90_000.0));
    }

    [Fact]
    public void Reports_from_a_camera_whose_clock_was_never_set_are_not_used()
    {
        var clock = new SenderClock();
        clock.Play(0, null);
        clock.OnRtp(5000);
        clock.OnSenderReport(0, 5000); // RFC 3550: NTP 0 = "no wall clock"
        clock.OnSenderReport(Ntp(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)), 5000); // reset after a power cut
        Assert.Null(clock.CaptureTimeOf(0));
        Assert.Equal(2, clock.ImplausibleReports);
        clock.OnSenderReport(Ntp(DateTimeOffset.UtcNow.AddHours(-3)), 5000); // merely set to another zone: used
        Assert.NotNull(clock.CaptureTimeOf(0));
    }

    [Fact]
    public void Ntp_times_after_the_2036_wrap_map_to_the_next_era()
    {
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero), SenderClock.NtpToTime(Ntp(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero))), TimeSpan.FromMicroseconds(1));
        // Era 1 starts 2036-02-07T06:28:16Z: seconds field 0.
        Assert.Equal(new DateTimeOffset(2036, 2, 7, 6, 28, 16, TimeSpan.Zero).AddSeconds(10), SenderClock.NtpToTime(10UL << 32));
    }

    /// <summary>An RTSP interleaved frame: '$', channel, 16-bit length, payload.</summary>
    internal static byte[] Interleaved(byte channel, byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        frame[0] = (byte)'$';
        frame[1] = channel;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    [Fact]
    public void The_watcher_splits_messages_and_interleaved_frames_however_the_bytes_are_chunked()
    {
        var sdp = "v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";
        var stream = new MemoryStream();
        stream.Write(Encoding.ASCII.GetBytes($"RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}"));
        stream.Write(Encoding.ASCII.GetBytes("RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"));
        stream.Write(Interleaved(0, new byte[] { 0x80, 96, 0, 1, 0, 0, 0x23, 0x28, 1, 2, 3, 4, 9 }));
        stream.Write(Encoding.ASCII.GetBytes("GET_PARAMETER rtsp://cam/ RTSP/1.0\r\nCSeq: 9\r\n\r\n"));
        stream.Write(Interleaved(1, new byte[28]));
        var bytes = stream.ToArray();
        foreach (var chunk in new[] { 1, 3, 7, bytes.Length })
        {
            var parser = new RtspStreamParser();
            var headers = new List<string>();
            var bodies = new List<string>();
            var frames = new List<(byte Channel, int Length)>();
            parser.Message += (h, b) => { headers.Add(h); bodies.Add(Encoding.ASCII.GetString(b.Span)); };
            parser.Interleaved += (c, p) => frames.Add((c, p.Length));
            for (var i = 0; i < bytes.Length; i += chunk)
            {
                parser.Feed(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
            }
            Assert.False(parser.GaveUp);
            Assert.Equal(3, headers.Count);
            Assert.Equal(sdp, bodies[0]);
            Assert.Equal("RTP/AVP/TCP;unicast;interleaved=0-1", RtspStreamParser.HeaderValue(headers[1], "transport"));
            Assert.StartsWith("GET_PARAMETER", headers[2]);
            Assert.Equal([((byte)0, 13), ((byte)1, 28)], frames);
        }
        Assert.Equal((90_000, 1), RtspSessionWatcher.VideoTracks(sdp));
        Assert.Equal((90_000, 2), RtspSessionWatcher.VideoTracks(sdp + "m=video 0 RTP/AVP 97\r\na=rtpmap:97 H265/90000\r\n"));
        Assert.Equal((0, 1), RtspSessionWatcher.InterleavedChannels("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1234"));
        Assert.Equal((4, 5), RtspSessionWatcher.InterleavedChannels("RTP/AVP/TCP;interleaved=4"));
        Assert.Null(RtspSessionWatcher.InterleavedChannels("RTP/AVP;unicast;client_port=5000-5001"));
        Assert.Equal(0, RtspSessionWatcher.RangeStart("npt=now-"));
        Assert.Equal(12.5, RtspSessionWatcher.RangeStart("npt=12.500-"));
        Assert.Equal(3723.5, RtspSessionWatcher.RangeStart("npt=01:02:03.5-01:10:00"));
        Assert.Equal(9000u, RtspSessionWatcher.RtpInfoTimestamp("url=rtsp://cam/stream=0;seq=1;rtptime=9000,url=rtsp://cam/stream=1;seq=5;rtptime=7"));
    }

    [Fact]
    public void Bytes_that_are_not_rtsp_turn_the_watcher_off_without_throwing()
    {
        var parser = new RtspStreamParser();
        var seen = 0;
        parser.Message += (_, _) => seen++;
        parser.Feed("HTTP/1.1 200 OK\r\n\r\n"u8);
        parser.Feed("RTSP/1.0 200 OK\r\n\r\n"u8);
        Assert.True(parser.GaveUp);
        Assert.Equal(0, seen);
        var huge = new RtspStreamParser();
        huge.Feed(Encoding.ASCII.GetBytes("RTSP/1.0 200 OK\r\nContent-Length: nonsense\r\n\r\n"));
        Assert.True(huge.GaveUp);
    }

    [Theory]
    [InlineData("rtsp://cam.local/stream", "rtsp://127.0.0.1:4000/stream")]
    [InlineData("rtsp://user:p%40ss@10.0.0.7:8554/live/ch1?subtype=0", "rtsp://user:p%40ss@127.0.0.1:4000/live/ch1?subtype=0")]
    [InlineData("rtsp://[fe80::1]:554", "rtsp://127.0.0.1:4000")]
    public void The_relay_url_keeps_user_path_and_query(string camera, string relay) =>
        Assert.Equal(relay, RtspClockProxy.Rewrite(camera, 4000));

    [Fact]
    public void Device_buffer_timestamps_on_the_monotonic_or_the_real_time_clock_become_wall_clock_time()
    {
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        const double monotonicNow = 86_400.250; // a day after boot
        // Monotonic stamp 40 ms ago.
        Assert.Equal(now.AddMilliseconds(-40), DeviceClock.ToWallClock(monotonicNow - 0.040, now, monotonicNow)!.Value, TimeSpan.FromMicroseconds(1));
        // Real-time stamp 40 ms ago (older drivers).
        var realSeconds = (now - DateTimeOffset.UnixEpoch).TotalSeconds - 0.040;
        Assert.Equal(now.AddMilliseconds(-40), DeviceClock.ToWallClock(realSeconds, now, monotonicNow)!.Value, TimeSpan.FromMilliseconds(0.01));
        // Neither (a driver counting from its own start): no device time.
        Assert.Null(DeviceClock.ToWallClock(12.0, now, monotonicNow));
        Assert.Null(DeviceClock.ToWallClock(double.NaN, now, monotonicNow));
    }

    [Theory]
    [InlineData("2018-04-19T22:46:00.000000Z\n", "2018-04-19T22:46:00Z")]
    [InlineData("2024-05-06T07:08:09.500000Z", "2024-05-06T07:08:09.5Z")]
    [InlineData("1970-01-01T00:00:00.000000Z", null)]
    [InlineData("1904-01-01T00:00:00.000000Z", null)]
    [InlineData("", null)]
    [InlineData("yesterday-ish", null)]
    public void A_recordings_creation_time_is_its_start_unless_it_is_a_muxers_zero_date(string tag, string? expected) =>
        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected), RecordingStart.Parse(tag));
}

/// <summary>Whatever a camera sends reaches the relay's watcher first: ten thousand mutated RTSP
/// conversations (replies, SDP, interleaved RTP and RTCP) must never make it throw.</summary>
public sealed class HostileCameraStreamTests
{
    private static string Frame(byte channel, byte[] payload) => Encoding.Latin1.GetString(CaptureClockTests.Interleaved(channel, payload));

    private const string Requests = "DESCRIBE rtsp://cam/ RTSP/1.0\r\nCSeq: 2\r\n\r\nSETUP rtsp://cam/stream=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\nPLAY rtsp://cam/ RTSP/1.0\r\nCSeq: 4\r\nSession: 1\r\n\r\n";

    private static string Replies()
    {
        var sdp = "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:stream=0\r\n";
        var rtp = new byte[] { 0x80, 0x60, 0, 1, 0, 0, 0x23, 0x28, 0, 0, 0, 7, 0x65, 1, 2, 3 };
        var ntp = (ulong)((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalSeconds + 2_208_988_800) << 32;
        var sr = new byte[28];
        new byte[] { 0x80, 200, 0, 6, 0, 0, 0, 7 }.CopyTo(sr, 0);
        BinaryPrimitives.WriteUInt64BigEndian(sr.AsSpan(8), ntp);
        BinaryPrimitives.WriteUInt32BigEndian(sr.AsSpan(16), 9000);
        return $"RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}"
            + "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 1\r\n\r\n"
            + "RTSP/1.0 200 OK\r\nCSeq: 4\r\nRange: npt=0.000-\r\nRTP-Info: url=rtsp://cam/stream=0;seq=1;rtptime=9000\r\n\r\n"
            + Frame(0, rtp) + Frame(1, sr) + Frame(0, rtp) + Frame(1, sr);
    }

    [Fact]
    public void Ten_thousand_mutated_camera_conversations_never_make_the_watcher_fail()
    {
        var mutator = new Support.Mutator(20261207);
        var replies = Replies();
        var clocked = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var clock = new SenderClock();
            var watcher = new RtspSessionWatcher(clock);
            watcher.FromClient(Encoding.Latin1.GetBytes(i % 10 == 0 ? mutator.Mutate(Requests) : Requests));
            var bytes = Encoding.Latin1.GetBytes(mutator.Mutate(replies));
            for (var at = 0; at < bytes.Length;)
            {
                var chunk = Math.Min(bytes.Length - at, 1 + mutator.Next(64));
                watcher.FromCamera(bytes.AsSpan(at, chunk));
                at += chunk;
            }
            Assert.False(watcher.Failed, $"conversation {i} made the watcher throw");
            clocked += clock.CaptureTimeOf(0) is null ? 0 : 1;
        }
        // The mutations are small: most conversations still carry a usable report.
        Assert.InRange(clocked, 1_000, 10_000);
        var clean = new SenderClock();
        var cleanWatcher = new RtspSessionWatcher(clean);
        cleanWatcher.FromClient(Encoding.Latin1.GetBytes(Requests));
        cleanWatcher.FromCamera(Encoding.Latin1.GetBytes(replies));
        Assert.NotNull(clean.CaptureTimeOf(0));
    }
}
