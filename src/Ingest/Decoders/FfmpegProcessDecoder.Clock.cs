using System.Net.Sockets;
using StreamVision.Ingest.Frames;
using StreamVision.Ingest.Rtsp;
using StreamVision.Ingest.Sources;

namespace StreamVision.Ingest.Decoders;

/// <summary>Capture times from the stream: the RTCP relay for RTSP cameras, buffer timestamps for devices.</summary>
public sealed partial class FfmpegProcessDecoder
{
    private readonly bool _sourceClock;
    private readonly CancellationTokenSource _opening = new();
    private RtspClockProxy? _proxy;
    private string? _proxyAddress;
    private string _cameraAddress = "";

    /// <summary>RTSP over TCP only: with UDP the reports bypass the relay, RTSPS hides them.</summary>
    private void StartClockProxy()
    {
        if (!_sourceClock || _url.Kind != SourceKind.Rtsp || _settings.Transport != "tcp"
            || !_url.Target.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase)
            || !Uri.TryCreate(_url.Target, UriKind.Absolute, out var uri))
        {
            return;
        }
        var port = uri.Port > 0 ? uri.Port : 554;
        _cameraAddress = $"{uri.Host}:{port}";
        try
        {
            _proxy = RtspClockProxy.StartAsync(uri.IdnHost, port, _settings.ConnectTimeout, _opening.Token).GetAwaiter().GetResult();
            _proxyAddress = $"127.0.0.1:{_proxy.LocalPort}";
        }
        catch (SocketException e)
        {
            throw new SourceException($"{_url.Display}: cannot reach the camera at {_cameraAddress} ({e.Message}). Check the address, the port and that the camera is on.", e);
        }
        catch (OperationCanceledException e)
        {
            throw new SourceException($"{_url.Display}: opening was cancelled.", e);
        }
    }

    private CaptureStamp? CaptureOf(double streamSeconds)
    {
        if (!_sourceClock)
        {
            return null;
        }
        if (_proxy?.Clock.CaptureTimeOf(streamSeconds) is { } sent)
        {
            return new CaptureStamp(sent, CaptureClock.Sender);
        }
        return _url.Kind == SourceKind.Device && DeviceClock.ToWallClock(streamSeconds) is { } taken
            ? new CaptureStamp(taken, CaptureClock.Device)
            : null;
    }

    /// <summary>ffmpeg talks to the relay; its messages should name the camera.</summary>
    private string ShowCameraAddress(string line) => _proxyAddress is { } relay ? line.Replace(relay, _cameraAddress, StringComparison.Ordinal) : line;
}
