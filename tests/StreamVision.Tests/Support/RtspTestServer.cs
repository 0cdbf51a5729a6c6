using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace StreamVision.Tests.Support;

/// <summary>
/// A real RTSP server on 127.0.0.1 (GStreamer's, from Debian packages, run by Debian's python3,
/// see rtsp_server.py) serving a shared clip in real time on each mount. Killing and restarting
/// it is a camera outage and recovery.
/// </summary>
public sealed class RtspTestServer : IDisposable
{
    private readonly string _clip;
    private readonly string[] _mounts;
    private readonly string[] _options;
    private Process? _server;

    private RtspTestServer(int port, string clip, string[] mounts, string[] options)
    {
        Port = port;
        _clip = clip;
        _mounts = mounts;
        _options = options;
    }

    /// <summary>With --print-capture: each picture's RTP timestamp → its capture time on the camera's clock.</summary>
    public ConcurrentDictionary<uint, DateTimeOffset> Captures { get; } = new();

    public int Port { get; }

    public string Url(string mount, string? credentials = null) => $"rtsp://{(credentials is null ? "" : credentials + "@")}127.0.0.1:{Port}{mount}";

    public static RtspTestServer Start(string clip, params string[] mounts)
    {
        var server = new RtspTestServer(FreePort.Next(), clip, mounts, []);
        server.StartServer();
        return server;
    }

    /// <summary>A server started with rtsp_server.py options (--clock-offset S, --no-rtcp, --print-capture).</summary>
    public static RtspTestServer StartWith(string[] options, string clip, params string[] mounts)
    {
        var server = new RtspTestServer(FreePort.Next(), clip, mounts, options);
        server.StartServer();
        return server;
    }

    public void StartServer()
    {
        var args = new List<string> { Path.Combine(AppContext.BaseDirectory, "Rtsp", "rtsp_server.py") };
        args.AddRange(_options);
        args.Add(Port.ToString());
        args.AddRange(_mounts.Select(m => $"{m}={_clip}"));
        _server = StartProcess("/usr/bin/python3", args, redirectOutput: true);
        var ready = _server.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(15)) || ready.Result != "READY")
        {
            var error = _server.HasExited ? _server.StandardError.ReadToEnd() : "(no READY within 15 s)";
            StopServer();
            throw new InvalidOperationException($"RTSP test server did not start: {error}. It needs python3-gi, gir1.2-gst-rtsp-server-1.0 and gstreamer1.0-plugins-{{base,good,bad,ugly}} (scripts/test.sh installs them).");
        }
        var output = _server.StandardOutput;
        _ = Task.Run(async () =>
        {
            // Keep reading, so the server never blocks on a full pipe.
            while (await output.ReadLineAsync() is { } line)
            {
                var parts = line.Split(' ');
                if (parts is ["CAPTURE", var rtp, var seconds])
                {
                    Captures[uint.Parse(rtp, CultureInfo.InvariantCulture)] = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(double.Parse(seconds, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond));
                }
            }
        });
    }

    public void StopServer()
    {
        if (_server is { } server)
        {
            Thaw();
            Kill(server);
            _server = null;
        }
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open but no data flows, like a
    /// camera that hangs. <see cref="Thaw"/> lets it go on.</summary>
    public void Freeze() => Signal("-STOP");

    public void Thaw() => Signal("-CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [signal, _server!.Id.ToString()])!;
        kill.WaitForExit();
    }

    private static Process StartProcess(string file, IEnumerable<string> args, bool redirectOutput = false)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = redirectOutput, RedirectStandardError = redirectOutput, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        return Process.Start(start)!;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }

    public void Dispose()
    {
        StopServer();
    }
}
