using System.Net;
using System.Net.Sockets;

namespace StreamVision.Ingest.Rtsp;

/// <summary>
/// A relay on 127.0.0.1 between FFmpeg and one RTSP camera that reads the camera's RTCP sender reports
/// on the way. FFmpeg keeps doing all of RTSP (authentication, SETUP, depacketising, decoding) but its
/// program never shows the reports' NTP times; the relay forwards every byte unchanged in both
/// directions and feeds a <see cref="SenderClock"/> from what it sees (<see cref="RtspSessionWatcher"/>).
/// Each connection FFmpeg opens (a redirect opens another) is relayed to a connection of its own to the
/// camera. This works for RTP interleaved on the RTSP connection (transport tcp); over UDP the packets
/// bypass it, and RTSPS is encrypted, so those cameras keep the arrival time.
/// </summary>
public sealed class RtspClockProxy : IDisposable
{
    /// <summary>FFmpeg starts a moment after the relay; on a loaded machine it may take a while to connect.</summary>
    private static readonly TimeSpan AcceptMargin = TimeSpan.FromSeconds(5);

    private readonly string _host;
    private readonly int _port;
    private readonly TimeSpan _connectTimeout;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private TcpClient? _firstCamera;

    private RtspClockProxy(TcpClient? camera, string host, int port, TimeSpan connectTimeout)
    {
        _firstCamera = camera;
        (_host, _port, _connectTimeout) = (host, port, connectTimeout);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(4);
        LocalPort = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public SenderClock Clock { get; } = new();

    /// <summary>The port FFmpeg connects to instead of the camera's.</summary>
    public int LocalPort { get; }

    /// <summary>Connects to the camera first, so an unreachable camera fails here with the socket's reason
    /// naming the camera rather than as a relay FFmpeg could not read.</summary>
    /// <exception cref="SocketException">The camera refused or did not answer in time.</exception>
    public static async Task<RtspClockProxy> StartAsync(string host, int port, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var camera = await ConnectAsync(host, port, connectTimeout, cancellationToken).ConfigureAwait(false);
        var proxy = new RtspClockProxy(camera, host, port, connectTimeout);
        _ = proxy.AcceptAsync();
        return proxy;
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

    private static async Task<TcpClient> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var camera = new TcpClient { NoDelay = true };
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await camera.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }
            return camera;
        }
        catch
        {
            camera.Dispose();
            throw;
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            using (var first = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                first.CancelAfter(_connectTimeout + AcceptMargin);
                var ffmpeg = await _listener.AcceptTcpClientAsync(first.Token).ConfigureAwait(false);
                _ = RelayAsync(ffmpeg, Interlocked.Exchange(ref _firstCamera, null));
            }
            while (true)
            {
                var ffmpeg = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                _ = RelayAsync(ffmpeg, null);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task RelayAsync(TcpClient ffmpeg, TcpClient? camera)
    {
        try
        {
            using (ffmpeg)
            using (camera ??= await ConnectAsync(_host, _port, _connectTimeout, _stop.Token).ConfigureAwait(false))
            {
                ffmpeg.NoDelay = true;
                var watcher = new RtspSessionWatcher(Clock);
                var toCamera = ForwardAsync(ffmpeg.GetStream(), camera.GetStream(), watcher.FromClient);
                var toFfmpeg = ForwardAsync(camera.GetStream(), ffmpeg.GetStream(), watcher.FromCamera);
                // One side closing closes both, so FFmpeg sees the camera go away and the camera sees FFmpeg go.
                await Task.WhenAny(toCamera, toFfmpeg).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/>, letting <paramref name="watch"/>
    /// see each chunk first (a picture's packets are then known before FFmpeg can decode it).</summary>
    private async Task ForwardAsync(Stream from, Stream to, Action<ReadOnlySpan<byte>> watch)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }
            watch(buffer.AsSpan(0, read));
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Interlocked.Exchange(ref _firstCamera, null)?.Dispose();
    }
}
