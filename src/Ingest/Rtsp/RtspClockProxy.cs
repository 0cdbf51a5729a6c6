using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StreamVision.Ingest.Rtsp;

/// <summary>
/// A relay on 127.0.0.1 between FFmpeg and one RTSP camera that reads the camera's RTCP sender reports
/// on the way. FFmpeg keeps doing all of RTSP (authentication, SETUP, depacketising, decoding) but its
/// program never shows the reports' NTP times; the relay forwards every byte unchanged in both
/// directions and feeds a <see cref="SenderClock"/> with the video track's RTP timestamps and reports.
/// This works for RTP interleaved on the RTSP connection (transport tcp); over UDP the packets
/// bypass it, and RTSPS is encrypted, so those cameras keep the arrival time.
/// </summary>
public sealed class RtspClockProxy : IDisposable
{
    private readonly TcpClient _camera;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly RtspStreamParser _parser = new();
    private int? _rtpChannel;
    private int? _rtcpChannel;
    private int? _videoClockRate;
    private bool _watchFailed;

    /// <summary>A relay that has not connected anywhere: for feeding <see cref="Watch"/> directly.</summary>
    internal static RtspClockProxy Detached() => new(new TcpClient());

    private RtspClockProxy(TcpClient camera)
    {
        _camera = camera;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(1);
        _parser.Message += OnMessage;
        _parser.Interleaved += OnInterleaved;
    }

    public SenderClock Clock { get; } = new();

    /// <summary>The port FFmpeg connects to instead of the camera's.</summary>
    public int LocalPort => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connects to the camera first, so an unreachable camera fails here with the socket's reason
    /// naming the camera rather than as a relay FFmpeg could not read.</summary>
    /// <exception cref="SocketException">The camera refused or did not answer in time.</exception>
    public static async Task<RtspClockProxy> StartAsync(string host, int port, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var camera = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(connectTimeout);
            try
            {
                await camera.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }
            var proxy = new RtspClockProxy(camera);
            _ = proxy.RelayAsync(connectTimeout);
            return proxy;
        }
        catch
        {
            camera.Dispose();
            throw;
        }
    }

    /// <summary>The camera URL with its host and port replaced by the relay's (user, path and query kept).</summary>
    public string Rewrite(string cameraUrl) => Rewrite(cameraUrl, LocalPort);

    internal static string Rewrite(string cameraUrl, int localPort)
    {
        var scheme = cameraUrl.IndexOf("://", StringComparison.Ordinal) + 3;
        var pathStart = cameraUrl.IndexOfAny(['/', '?'], scheme);
        var authority = pathStart < 0 ? cameraUrl[scheme..] : cameraUrl[scheme..pathStart];
        var at = authority.LastIndexOf('@');
        var userInfo = at < 0 ? "" : authority[..(at + 1)];
        return $"{cameraUrl[..scheme]}{userInfo}127.0.0.1:{localPort}{(pathStart < 0 ? "" : cameraUrl[pathStart..])}";
    }

    private async Task RelayAsync(TimeSpan acceptTimeout)
    {
        try
        {
            using var acceptDeadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            acceptDeadline.CancelAfter(acceptTimeout);
            using var ffmpeg = await _listener.AcceptTcpClientAsync(acceptDeadline.Token).ConfigureAwait(false);
            ffmpeg.NoDelay = true;
            _listener.Stop();
            var toCamera = ffmpeg.GetStream().CopyToAsync(_camera.GetStream(), _stop.Token);
            var toFfmpeg = ForwardWatchingAsync(_camera.GetStream(), ffmpeg.GetStream(), _stop.Token);
            await Task.WhenAny(toCamera, toFfmpeg).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            // One side closing closes both, so FFmpeg sees the camera go away and the camera sees FFmpeg go.
            _camera.Dispose();
            _listener.Stop();
        }
    }

    /// <summary>Takes in bytes the camera sent (the relay's watching half, without the relay).</summary>
    internal void Watch(ReadOnlySpan<byte> fromCamera) => _parser.Feed(fromCamera);

    private async Task ForwardWatchingAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }
            // Watch before forwarding: a picture's packets are then known before FFmpeg can decode it.
            if (!_watchFailed)
            {
                try
                {
                    Watch(buffer.AsSpan(0, read));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Whatever a camera sends must never stop the relay: stop watching, keep forwarding
                    // (frames then keep the arrival time).
                    _watchFailed = true;
                }
            }
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnMessage(string header, ReadOnlyMemory<byte> body)
    {
        if (RtspStreamParser.HeaderValue(header, "Content-Type") is { } type && type.StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase))
        {
            _videoClockRate ??= VideoClockRate(Encoding.UTF8.GetString(body.Span));
            if (_videoClockRate is { } rate)
            {
                Clock.SetClockRate(rate);
            }
        }
        // FFmpeg sets up the video track first (it is started with -allowed_media_types video).
        if (_rtpChannel is null && RtspStreamParser.HeaderValue(header, "Transport") is { } transport
            && InterleavedChannels(transport) is { } channels)
        {
            (_rtpChannel, _rtcpChannel) = channels;
        }
        if (RtspStreamParser.HeaderValue(header, "RTP-Info") is { } rtpInfo && RtpInfoTimestamp(rtpInfo) is { } origin)
        {
            Clock.SetOrigin(origin);
        }
        if (RtspStreamParser.HeaderValue(header, "Range") is { } range && range.StartsWith("npt=", StringComparison.OrdinalIgnoreCase))
        {
            var start = range[4..].Split('-')[0].Trim();
            Clock.SetRangeStart(double.TryParse(start, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) ? seconds : 0);
        }
    }

    private void OnInterleaved(byte channel, ReadOnlySpan<byte> packet)
    {
        if (channel == _rtpChannel && packet.Length >= 12 && packet[0] >> 6 == 2)
        {
            Clock.OnRtp(BinaryPrimitives.ReadUInt32BigEndian(packet[4..]));
        }
        else if (channel == _rtcpChannel)
        {
            ReadSenderReports(packet);
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
                Clock.OnSenderReport(BinaryPrimitives.ReadUInt64BigEndian(compound[8..]), BinaryPrimitives.ReadUInt32BigEndian(compound[16..]));
            }
            compound = compound[size..];
        }
    }

    /// <summary>The clock rate of the SDP's first video track (<c>a=rtpmap:PT NAME/RATE</c> of its first format).</summary>
    internal static int? VideoClockRate(string sdp)
    {
        string? format = null;
        var inVideo = false;
        foreach (var raw in sdp.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                if (inVideo)
                {
                    return null;
                }
                var parts = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                inVideo = parts.Length >= 4 && parts[0] == "video";
                format = inVideo ? parts[3] : null;
            }
            else if (inVideo && line.StartsWith($"a=rtpmap:{format} ", StringComparison.Ordinal))
            {
                var encoding = line[(line.IndexOf(' ') + 1)..].Split('/');
                return encoding.Length >= 2 && int.TryParse(encoding[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rate) && rate > 0 ? rate : null;
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

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _camera.Dispose();
        _stop.Dispose();
    }
}
