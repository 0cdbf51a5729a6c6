namespace StreamVision.Ingest.Rtsp;

/// <summary>
/// Maps a video track's RTP timestamps to the camera's wall clock from its RTCP sender reports
/// (RFC 3550 §6.4.1: each report pairs an NTP time with the RTP timestamp of the same instant).
/// Fed by <see cref="RtspClockProxy"/> with what crosses the wire; asked by the decoder for each
/// picture, identified by FFmpeg's presentation time, which for an RTSP track is the RTP timestamp
/// counted from an origin as FFmpeg's rtpdec counts it: from the PLAY reply's RTP-Info rtptime, else
/// from the first packet after that reply (packets before it are dropped), plus the reply's range start.
/// A picture gets a time only when its RTP timestamp was actually seen on the wire and a usable report
/// has arrived; otherwise the caller falls back to the arrival time.
/// </summary>
public sealed class SenderClock
{
    /// <summary>Seconds from the NTP epoch (1900) to the Unix epoch (1970).</summary>
    private const long NtpToUnixSeconds = 2_208_988_800;

    private const int RememberedPictures = 1024;

    /// <summary>A report this far from our own clock comes from a camera whose clock was never set
    /// (NTP 0, 1970, 2000 after a power cut): its times would be useless, so it is not used.</summary>
    public static readonly TimeSpan Implausible = TimeSpan.FromDays(1);

    private readonly object _lock = new();
    private readonly HashSet<long> _seen = new();
    private readonly Queue<long> _seenOrder = new();
    private bool _playing;
    private bool _disabled;
    private uint? _origin;
    private uint _last;
    private long _lastUnwrapped;
    private bool _started;
    private long _rangeStartTicks;
    private (long RtpUnwrapped, DateTimeOffset Time)? _report;

    /// <summary>RTP clock rate of the track (90 000 for video), from the SDP's rtpmap.</summary>
    public int ClockRate { get; private set; } = 90_000;

    /// <summary>Sender reports used so far.</summary>
    public long Reports { get; private set; }

    /// <summary>Sender reports ignored because their time was not plausible (see <see cref="Implausible"/>).</summary>
    public long ImplausibleReports { get; private set; }

    public void SetClockRate(int rate)
    {
        if (rate > 0)
        {
            lock (_lock)
            {
                ClockRate = rate;
            }
        }
    }

    /// <summary>The stream has more than one video track: FFmpeg then synchronises them on the reports
    /// itself and its pts no longer count RTP time, so no frame gets the sender's time.</summary>
    public void Disable()
    {
        lock (_lock)
        {
            _disabled = true;
        }
    }

    /// <summary>The PLAY reply: FFmpeg starts counting here, from <paramref name="rtpInfoTime"/> (its
    /// RTP-Info rtptime) or else the next packet, with <paramref name="rangeStartSeconds"/> added.</summary>
    public void Play(double rangeStartSeconds, uint? rtpInfoTime)
    {
        lock (_lock)
        {
            _playing = true;
            _started = false;
            _seen.Clear();
            _seenOrder.Clear();
            _report = null;
            _rangeStartTicks = (long)Math.Round(rangeStartSeconds * ClockRate);
            _origin = rtpInfoTime is 0 ? null : rtpInfoTime;
        }
    }

    /// <summary>An RTP packet of the track went by.</summary>
    public void OnRtp(uint timestamp)
    {
        lock (_lock)
        {
            if (!_playing)
            {
                return;
            }
            if (!_started)
            {
                _started = true;
                _last = _origin ?? timestamp;
                _lastUnwrapped = 0;
            }
            _lastUnwrapped += unchecked((int)(timestamp - _last));
            _last = timestamp;
            if (_seen.Add(_lastUnwrapped))
            {
                _seenOrder.Enqueue(_lastUnwrapped);
                if (_seenOrder.Count > RememberedPictures)
                {
                    _seen.Remove(_seenOrder.Dequeue());
                }
            }
        }
    }

    /// <summary>A sender report of the track: its NTP timestamp (64-bit, 1900 epoch) and RTP timestamp.</summary>
    public void OnSenderReport(ulong ntp, uint rtpTimestamp)
    {
        lock (_lock)
        {
            if (!_started)
            {
                // Without a packet since PLAY, FFmpeg's origin is unknown; the next report will do.
                return;
            }
            var time = NtpToTime(ntp);
            if (ntp == 0 || (time - DateTimeOffset.UtcNow).Duration() > Implausible)
            {
                ImplausibleReports++;
                return;
            }
            _report = (_lastUnwrapped + unchecked((int)(rtpTimestamp - _last)), time);
            Reports++;
        }
    }

    /// <summary>The capture time of the picture FFmpeg presented at <paramref name="ptsSeconds"/>, or
    /// null when no usable report has arrived or no packet had that timestamp.</summary>
    public DateTimeOffset? CaptureTimeOf(double ptsSeconds)
    {
        lock (_lock)
        {
            if (_disabled || _report is not { } report || !double.IsFinite(ptsSeconds))
            {
                return null;
            }
            var unwrapped = (long)Math.Round(ptsSeconds * ClockRate) - _rangeStartTicks;
            if (!_seen.Contains(unwrapped))
            {
                return null;
            }
            var ticks = (unwrapped - report.RtpUnwrapped) * (double)TimeSpan.TicksPerSecond / ClockRate;
            return report.Time.AddTicks((long)Math.Round(ticks));
        }
    }

    /// <summary>NTP 64-bit time to UTC. Timestamps with the top bit clear are in the era that starts
    /// in 2036 (RFC 4330 §3), so the mapping keeps working past the 32-bit seconds wrap.</summary>
    public static DateTimeOffset NtpToTime(ulong ntp)
    {
        var seconds = (long)(ntp >> 32);
        if (seconds < 0x8000_0000L)
        {
            seconds += 1L << 32;
        }
        var fraction = (double)(ntp & 0xFFFF_FFFF) / (1UL << 32);
        return DateTimeOffset.UnixEpoch.AddSeconds(seconds - NtpToUnixSeconds).AddTicks((long)Math.Round(fraction * TimeSpan.TicksPerSecond));
    }
}
