using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace StreamVision.Ingest.Rtsp;

/// <summary>
/// Watches one relayed RTSP connection in both directions and tells the <see cref="SenderClock"/> what
/// FFmpeg's clock will do: the SDP's video clock rate (and whether there is more than one video track),
/// which interleaved channels carry the video track (the first SETUP — FFmpeg is started with
/// -allowed_media_types video), the PLAY reply (found by its CSeq: RTP-Info and Range are taken from it
/// only), the RTP timestamps and the RTCP sender reports. Whatever a camera sends can only stop the
/// watching, never the relaying: frames then keep the arrival time.
/// </summary>
internal sealed class RtspSessionWatcher
{
    private readonly SenderClock _clock;
    private readonly RtspStreamParser _client = new();
    private readonly RtspStreamParser _camera = new();
    private readonly Dictionary<string, string> _methodOfCSeq = new();
    private int? _rtpChannel;
    private int? _rtcpChannel;
    private bool _failed;

    public RtspSessionWatcher(SenderClock clock)
    {
        _clock = clock;
        _client.Message += OnRequest;
        _camera.Message += OnReply;
        _camera.Interleaved += OnInterleaved;
    }

    /// <summary>Set when watching stopped on something unexpected (the relay goes on).</summary>
    public bool Failed => _failed;

    public void FromClient(ReadOnlySpan<byte> bytes) => Guard(_client, bytes);

    public void FromCamera(ReadOnlySpan<byte> bytes) => Guard(_camera, bytes);

    private void Guard(RtspStreamParser parser, ReadOnlySpan<byte> bytes)
    {
        if (_failed)
        {
            return;
        }
        try
        {
            parser.Feed(bytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _failed = true;
        }
    }

    /// <summary>The method of each request by CSeq, to know which reply answers PLAY.</summary>
    private void OnRequest(string header, ReadOnlyMemory<byte> body)
    {
        var method = header.Split(' ', 2)[0];
        if (RtspStreamParser.HeaderValue(header, "CSeq") is { } cseq && _methodOfCSeq.Count < 1024)
        {
            _methodOfCSeq[cseq] = method;
        }
    }

    private void OnReply(string header, ReadOnlyMemory<byte> body)
    {
        if (!header.StartsWith("RTSP/", StringComparison.Ordinal))
        {
            return; // a request from the server (ANNOUNCE, GET_PARAMETER)
        }
        var method = RtspStreamParser.HeaderValue(header, "CSeq") is { } cseq && _methodOfCSeq.Remove(cseq, out var m) ? m : null;
        if (method == "DESCRIBE" && RtspStreamParser.HeaderValue(header, "Content-Type") is { } type && type.StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase))
        {
            var (rate, videoTracks) = VideoTracks(Encoding.UTF8.GetString(body.Span));
            if (rate is { } r)
            {
                _clock.SetClockRate(r);
            }
            if (videoTracks > 1)
            {
                _clock.Disable();
            }
        }
        else if (method == "SETUP" && _rtpChannel is null && RtspStreamParser.HeaderValue(header, "Transport") is { } transport
            && InterleavedChannels(transport) is { } channels)
        {
            (_rtpChannel, _rtcpChannel) = channels;
        }
        else if (method == "PLAY" && IsSuccess(header))
        {
            var range = RtspStreamParser.HeaderValue(header, "Range") is { } r ? RangeStart(r) : 0;
            var rtpInfo = RtspStreamParser.HeaderValue(header, "RTP-Info") is { } info ? RtpInfoTimestamp(info) : null;
            _clock.Play(range, rtpInfo);
        }
    }

    private static bool IsSuccess(string header) => header.Length >= 12 && header[9] == '2';

    private void OnInterleaved(byte channel, ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 4 || packet[0] >> 6 != 2 || (channel != _rtpChannel && channel != _rtcpChannel))
        {
            return;
        }
        // RTCP may share the RTP channel (RFC 5761); FFmpeg tells them apart by the second byte, as here.
        if (packet[1] is >= 192 and <= 223)
        {
            ReadSenderReports(packet);
        }
        else if (channel == _rtpChannel && packet.Length >= 12)
        {
            _clock.OnRtp(BinaryPrimitives.ReadUInt32BigEndian(packet[4..]));
        }
    }

    /// <summary>Walks an RTCP compound packet; a sender report (PT 200) carries NTP and RTP time at bytes 8 and 16.</summary>
    private void ReadSenderReports(ReadOnlySpan<byte> compound)
    {
        while (compound.Length >= 4 && compound[0] >> 6 == 2)
        {
            var size = (BinaryPrimitives.ReadUInt16BigEndian(compound[2..]) + 1) * 4;
            if (size > compound.Length)
            {
                return;
            }
            if (compound[1] == 200 && size >= 28)
            {
                _clock.OnSenderReport(BinaryPrimitives.ReadUInt64BigEndian(compound[8..]), BinaryPrimitives.ReadUInt32BigEndian(compound[16..]));
            }
            compound = compound[size..];
        }
    }

    /// <summary>The clock rate of the SDP's first video track (<c>a=rtpmap:PT NAME/RATE</c> of its first
    /// format) and how many video tracks there are.</summary>
    internal static (int? Rate, int VideoTracks) VideoTracks(string sdp)
    {
        int? rate = null;
        var tracks = 0;
        string? format = null;
        foreach (var raw in sdp.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                var parts = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var video = parts.Length >= 4 && parts[0] == "video";
                tracks += video ? 1 : 0;
                format = video && tracks == 1 ? parts[3] : null;
            }
            else if (format is not null && rate is null && line.StartsWith($"a=rtpmap:{format} ", StringComparison.Ordinal))
            {
                var encoding = line[(line.IndexOf(' ') + 1)..].Split('/');
                rate = encoding.Length >= 2 && int.TryParse(encoding[1], NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : null;
            }
        }
        return (rate, tracks);
    }

    /// <summary>The channels of <c>interleaved=N-M</c> in a Transport header (M defaults to N+1).</summary>
    internal static (int Rtp, int Rtcp)? InterleavedChannels(string transport)
    {
        foreach (var parameter in transport.Split(';'))
        {
            var p = parameter.Trim();
            if (!p.StartsWith("interleaved=", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var range = p["interleaved=".Length..].Split('-');
            if (int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rtp) && rtp <= 255)
            {
                var rtcp = range.Length > 1 && int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var second) ? second : rtp + 1;
                return (rtp, rtcp);
            }
        }
        return null;
    }

    /// <summary>The rtptime of the first stream in an RTP-Info header (<c>url=…;seq=…;rtptime=…</c>), the video track's.</summary>
    internal static uint? RtpInfoTimestamp(string rtpInfo)
    {
        foreach (var parameter in rtpInfo.Split(',')[0].Split(';'))
        {
            var p = parameter.Trim();
            if (p.StartsWith("rtptime=", StringComparison.OrdinalIgnoreCase)
                && uint.TryParse(p["rtptime=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var rtptime))
            {
                return rtptime;
            }
        }
        return null;
    }

    /// <summary>The start of <c>Range: npt=START-[END]</c> in seconds: "now" and anything unreadable are 0,
    /// "hh:mm:ss[.frac]" and plain seconds are read.</summary>
    internal static double RangeStart(string range)
    {
        if (!range.StartsWith("npt=", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }
        var start = range[4..].Split('-')[0].Trim();
        if (start.Contains(':'))
        {
            var parts = start.Split(':');
            return parts.Length == 3 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
                && double.TryParse(parts[2], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) ? h * 3600 + m * 60 + s : 0;
        }
        return double.TryParse(start, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) ? seconds : 0;
    }
}
