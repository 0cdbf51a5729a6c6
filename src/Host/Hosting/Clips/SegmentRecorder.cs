using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace StreamVision.Host.Hosting.Clips;

/// <summary>One recorded segment: its file and when it was received here (local clock).</summary>
public sealed record Segment(string File, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// Keeps a rolling recording of one RTSP camera: a second ffmpeg connection remuxes the video
/// stream, unchanged (-c copy), into MPEG-TS segments of about <c>segment_seconds</c>, cut at key
/// frames. Each run of ffmpeg has its own folder and segment list; a run that ends (camera gone,
/// stream ended) is started again after a pause. Segments are placed on the local clock — the one
/// event times are mapped to, whatever the camera's own clock says — from their list times and the
/// moment their files were last written; segments older than the window are deleted.
/// </summary>
public sealed class SegmentRecorder : IDisposable
{
    private readonly string _camera;
    private readonly string _url;
    private readonly string _transport;
    private readonly string _folder;
    private readonly double _segmentSeconds;
    private readonly TimeSpan _window;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public SegmentRecorder(string camera, string url, string transport, string folder, double segmentSeconds, TimeSpan window, ILogger log)
    {
        (_camera, _url, _transport, _folder, _segmentSeconds, _window, _log) = (camera, url, transport, folder, segmentSeconds, window, log);
        Directory.CreateDirectory(folder);
        _run = Task.Run(RunAsync);
    }

    public string Folder => _folder;

    /// <summary>The camera address it records.</summary>
    public string Url => _url;

    private async Task RunAsync()
    {
        var pause = TimeSpan.FromSeconds(1);
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            var started = Stopwatch.StartNew();
            string error;
            try
            {
                var run = Path.Combine(_folder, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                Directory.CreateDirectory(run);
                error = await RecordAsync(run).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = e.Message;
            }
            if (_stop.IsCancellationRequested)
            {
                break;
            }
            // A run that streamed for a while ended normally (the camera restarted): start again soon.
            var ranLong = started.Elapsed > TimeSpan.FromSeconds(30);
            pause = ranLong ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(Math.Min(pause.TotalSeconds * 2, 30));
            failures = ranLong ? 0 : failures + 1;
            // The first failure in a row and every tenth are worth a warning: no recording means no clips.
            if (failures % 10 == 1)
            {
                _log.LogWarning("recording camera {Camera} for clips stopped: {Error}; trying again in {Pause} s", _camera, error, pause.TotalSeconds);
            }
            try
            {
                await Task.Delay(pause, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<string> RecordAsync(string run)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-rtsp_transport", _transport, "-allowed_media_types", "video",
                     "-timeout", "10000000", "-i", _url, "-map", "0:v:0", "-c", "copy", "-f", "segment",
                     "-segment_time", _segmentSeconds.ToString(CultureInfo.InvariantCulture), "-segment_format", "mpegts",
                     "-segment_list", Path.Combine(run, "segments.csv"), "-segment_list_type", "csv", Path.Combine(run, "%06d.ts")])
        {
            start.ArgumentList.Add(a);
        }
        Process ffmpeg;
        try
        {
            ffmpeg = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"cannot run ffmpeg ({e.Message}); install it (Debian: apt-get install ffmpeg)";
        }
        using (ffmpeg)
        {
            var stderr = ffmpeg.StandardError.ReadToEndAsync();
            try
            {
                // Stopping kills it: a recorder never outlives its camera.
                await ffmpeg.WaitForExitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Kill(ffmpeg);
                return "stopped";
            }
            var text = (await stderr.ConfigureAwait(false)).Trim();
            return Ingest.Sources.SourceUrl.MaskCredentials(text.Length > 0 ? text.Split('\n')[^1] : $"ffmpeg exited with {ffmpeg.ExitCode}");
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(2000);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    /// <summary>The finished segments of every run, oldest first, on the local clock.</summary>
    public IReadOnlyList<Segment> Segments()
    {
        var segments = new List<Segment>();
        foreach (var run in Runs())
        {
            var list = Path.Combine(run, "segments.csv");
            string[] lines;
            try
            {
                lines = File.Exists(list) ? File.ReadAllLines(list) : [];
            }
            catch (IOException)
            {
                continue;
            }
            var listed = new List<(string File, double Start, double End, DateTime Written)>();
            foreach (var line in lines)
            {
                var parts = line.Split(',');
                var file = Path.Combine(run, parts[0]);
                if (parts.Length == 3 && File.Exists(file)
                    && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var s) && double.TryParse(parts[2], CultureInfo.InvariantCulture, out var e) && e > s)
                {
                    listed.Add((file, s, e, File.GetLastWriteTimeUtc(file)));
                }
            }
            if (listed.Count == 0)
            {
                continue;
            }
            // Stream time → local time: a segment's file was last written when its last packet came;
            // the median over the run takes out the odd one the muxer held back.
            var offsets = listed.Select(l => (l.Written - DateTime.UnixEpoch).TotalSeconds - l.End).Order().ToList();
            var origin = offsets[offsets.Count / 2];
            segments.AddRange(listed.Select(l => new Segment(l.File, DateTimeOffset.UnixEpoch.AddSeconds(origin + l.Start), DateTimeOffset.UnixEpoch.AddSeconds(origin + l.End))));
        }
        return segments;
    }

    /// <summary>Deletes segments (and finished runs) that ended before the window.</summary>
    public void Trim(DateTimeOffset now)
    {
        foreach (var segment in Segments().Where(s => s.End < now - _window))
        {
            TryDelete(() => File.Delete(segment.File));
        }
        foreach (var run in Runs().SkipLast(1))
        {
            // A run killed mid-segment left that segment out of its list: gone once it is older than the window.
            foreach (var file in Directory.EnumerateFiles(run, "*.ts").Where(f => File.GetLastWriteTimeUtc(f) < (now - _window).UtcDateTime).ToList())
            {
                TryDelete(() => File.Delete(file));
            }
            if (!Directory.EnumerateFiles(run, "*.ts").Any())
            {
                TryDelete(() => Directory.Delete(run, recursive: true));
            }
        }
    }

    private IEnumerable<string> Runs() => Directory.Exists(_folder) ? Directory.GetDirectories(_folder).Order(StringComparer.Ordinal) : [];

    private static void TryDelete(Action delete)
    {
        try
        {
            delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone already, or in use: the next trim tries again.
        }
    }

    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stop.Cancel();
        try
        {
            _run.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Its failures were logged as they happened.
        }
        _stop.Dispose();
    }
}
