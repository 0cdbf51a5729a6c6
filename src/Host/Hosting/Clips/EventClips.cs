using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Events;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Files;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting.Clips;

/// <summary>A finished clip of one event.</summary>
public sealed record EventClip(string EventId, string Camera, string File, long Bytes, DateTimeOffset Start, DateTimeOffset End, double Seconds);

/// <summary>
/// Event clips for RTSP cameras (stages.events.clips): a <see cref="SegmentRecorder"/> per camera,
/// and, when an event ends, its clip joined from the recorded segments by ffmpeg without re-encoding
/// (concat demuxer, -c copy) into a folder bounded in bytes and days, then announced on
/// &lt;prefix&gt;/clips. Event times are placed on the local clock as the results arrive here: the
/// start when its new message passes, the end from the end message less the stream time since the
/// object was last seen. A hosted service (recorders follow the cameras) and a result sink.
/// </summary>
public sealed class EventClips : IHostedService, IResultSink, IDisposable
{
    /// <summary>Events remembered with their clip (the oldest go first).</summary>
    public const int Keep = 500;

    private readonly ServiceConfig _config;
    private readonly ClipsConfig _settings;
    private readonly Pipeline _pipeline;
    private readonly MqttPublisher _publisher;
    private readonly MqttSetup _mqtt;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, SegmentRecorder> _recorders = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _starts = new();
    private readonly ConcurrentDictionary<string, EventClip> _clips = new();
    private readonly Channel<(EventObject Event, DateTimeOffset Start, DateTimeOffset End)> _due = Channel.CreateBounded<(EventObject, DateTimeOffset, DateTimeOffset)>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly CancellationTokenSource _stop = new();
    private readonly string _bufferDir;
    private Timer? _timer;
    private Task _writer = Task.CompletedTask;

    public EventClips(ServiceConfig config, Pipeline pipeline, MqttPublisher publisher, MqttSetup mqtt, ILoggerFactory loggers)
    {
        (_config, _settings, _pipeline, _publisher, _mqtt) = (config, config.Stages.Events.Clips, pipeline, publisher, mqtt);
        _log = loggers.CreateLogger("clips");
        _bufferDir = ConfigLoader.ResolvePath(config, _settings.BufferDir);
        if (Active)
        {
            Folder = EventArchive.MediaFolder("stages.events.clips.dir", ConfigLoader.ResolvePath(config, _settings.Dir), _settings.MaxMb, _settings.MaxDays);
            try
            {
                Directory.CreateDirectory(_bufferDir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new Pipelines.Configuration.ConfigurationException($"stages.events.clips.buffer_dir: '{_bufferDir}' cannot be created ({e.Message}); choose another folder or fix its permissions.", e);
            }
        }
    }

    /// <summary>Clips are made: the events stage runs and clips are on.</summary>
    public bool Active => _config.Stages.Events.Runs(_config.Stages) && _settings.Enabled;

    /// <summary>The clip folder, or null when clips are off.</summary>
    public BoundedFolder? Folder { get; }

    private TimeSpan Window => TimeSpan.FromSeconds(_settings.PreCaptureSeconds + _settings.MaxClipSeconds + _settings.PostCaptureSeconds + 2 * _settings.SegmentSeconds);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Active)
        {
            return Task.CompletedTask;
        }
        Follow();
        _timer = new Timer(_ => Follow(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        _writer = Task.Run(WriteClipsAsync);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _due.Writer.TryComplete();
        _stop.Cancel();
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a recorder for each RTSP camera now running, stops those of removed cameras, trims old segments.</summary>
    private void Follow()
    {
        // A timer callback: one at a time, and never an exception out of it (that would end the process).
        if (!Monitor.TryEnter(_recorders))
        {
            return;
        }
        try
        {
            if (_disposed)
            {
                return;
            }
            FollowCameras();
        }
        catch (Exception e)
        {
            _log.LogWarning("recording for clips: {Message}; trying again in a second", e.Message);
        }
        finally
        {
            Monitor.Exit(_recorders);
        }
    }

    private void FollowCameras()
    {
        var running = _pipeline.Sources.Where(s => s.Url.Kind == SourceKind.Rtsp).ToDictionary(s => s.CameraId);
        // A camera removed and added again with another address (within a tick) records the new one.
        foreach (var (camera, recorder) in _recorders.Where(r => running.TryGetValue(r.Key, out var s) && s.Url.Target != r.Value.Url).ToList())
        {
            _recorders.TryRemove(camera, out _);
            recorder.Dispose();
        }
        foreach (var (camera, source) in running.Where(r => !_recorders.ContainsKey(r.Key)))
        {
            var transport = _config.Cameras.FirstOrDefault(c => c.Id == camera)?.Transport ?? "tcp";
            _recorders[camera] = new SegmentRecorder(camera, source.Url.Target, transport, Path.Combine(_bufferDir, Safe(camera)), _settings.SegmentSeconds, Window, _log);
        }
        foreach (var gone in _recorders.Keys.Where(c => !running.ContainsKey(c)).ToList())
        {
            if (_recorders.TryRemove(gone, out var recorder))
            {
                recorder.Dispose();
            }
        }
        foreach (var recorder in _recorders.Values)
        {
            recorder.Trim(DateTimeOffset.UtcNow);
        }
    }

    public void Write(StageResult result)
    {
        if (result is not EventsResult events || !_recorders.ContainsKey(result.CameraId))
        {
            return;
        }
        var now = DateTimeOffset.UtcNow;
        foreach (var e in events.Events)
        {
            if (e.Type == "new")
            {
                _starts[e.After.Id] = now;
            }
            else if (e.Type == "end" && _starts.TryRemove(e.After.Id, out var start))
            {
                var end = now - (result.Pts - e.After.LastSeenPts);
                _due.Writer.TryWrite((e.After, start, end < start ? start : end));
            }
        }
    }

    private async Task WriteClipsAsync()
    {
        await foreach (var (e, start, end) in _due.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var from = Max(start - TimeSpan.FromSeconds(_settings.PreCaptureSeconds), end - TimeSpan.FromSeconds(_settings.MaxClipSeconds));
            var to = end + TimeSpan.FromSeconds(_settings.PostCaptureSeconds);
            // The segment holding the window's end must be finished: wait for it, and one segment more.
            var ready = to + TimeSpan.FromSeconds(_settings.SegmentSeconds * 1.5 + 0.5);
            try
            {
                if (ready > DateTimeOffset.UtcNow)
                {
                    await Task.Delay(ready - DateTimeOffset.UtcNow, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await WriteClipAsync(e, from, to).ConfigureAwait(false);
            }
            catch (Exception x)
            {
                // One clip that cannot be written (disk full, ffmpeg missing) must not stop the others.
                _log.LogWarning("clip of event {Event} not written: {Message}", e.Id, x.Message);
            }
        }
    }

    private async Task WriteClipAsync(EventObject e, DateTimeOffset from, DateTimeOffset to)
    {
        if (!_recorders.TryGetValue(e.Camera, out var recorder) || Folder is null)
        {
            return;
        }
        // One run's segments only: the concat demuxer joins a continuous stream.
        var segments = recorder.Segments().Where(s => s.End > from && s.Start < to).ToList();
        var run = segments.GroupBy(s => Path.GetDirectoryName(s.File)).OrderByDescending(g => g.Count()).FirstOrDefault()?.ToList();
        if (run is null || run.Count == 0)
        {
            _log.LogInformation("no recording covers event {Event} ({From:O} – {To:O}); no clip", e.Id, from, to);
            return;
        }
        var relative = $"{Safe(e.Camera)}/{Safe(e.Id)}.mp4";
        var path = Folder.Resolve(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var list = path + ".txt";
        var partial = path + ".partial";
        try
        {
            await File.WriteAllLinesAsync(list, run.Select(s => $"file '{s.File.Replace("'", "'\\''")}'")).ConfigureAwait(false);
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", "-movflags", "+faststart", "-f", "mp4", partial])
            {
                start.ArgumentList.Add(a);
            }
            using var ffmpeg = Process.Start(start)!;
            var error = await ffmpeg.StandardError.ReadToEndAsync().ConfigureAwait(false);
            await ffmpeg.WaitForExitAsync().ConfigureAwait(false);
            if (ffmpeg.ExitCode != 0)
            {
                throw new IOException($"ffmpeg could not join {run.Count} segments: {error.Trim()}");
            }
            File.Move(partial, path, overwrite: true);
        }
        finally
        {
            // Neither the list nor a half-written clip outlives the attempt.
            File.Delete(list);
            File.Delete(partial);
        }
        var bytes = new FileInfo(path).Length;
        Folder.Added(relative, bytes);
        var clip = new EventClip(e.Id, e.Camera, relative, bytes, run[0].Start, run[^1].End, (run[^1].End - run[0].Start).TotalSeconds);
        _clips[e.Id] = clip;
        if (_clips.Count > Keep)
        {
            foreach (var old in _clips.Values.OrderBy(c => c.End).Take(_clips.Count - Keep))
            {
                _clips.TryRemove(old.EventId, out _);
            }
        }
        _publisher.TryPublish(new OutgoingMessage($"{_mqtt.Topics.Prefix}/clips", ClipJson(clip), "application/json", Qos: _mqtt.Qos.State));
        _log.LogDebug("clip of event {Event}: {Seconds:0.0} s in {File}", e.Id, clip.Seconds, path);
    }

    /// <summary>The clip of an event, if it was made and is still in the folder.</summary>
    public (EventClip Clip, string Path)? ClipOf(string eventId)
        => _clips.TryGetValue(eventId, out var clip) && Folder?.PathOf(clip.File) is { } path ? (clip, path) : null;

    /// <summary>The clips made, newest first.</summary>
    public IReadOnlyList<EventClip> Recent(string? camera, int limit)
        => _clips.Values.Where(c => camera is null || c.Camera == camera).OrderByDescending(c => c.End).Take(limit).ToList();

    public static byte[] ClipJson(EventClip clip) => ResultJson.Object(w => Write(w, clip));

    public static byte[] ClipsJson(IEnumerable<EventClip> clips) => ResultJson.Array(clips, Write);

    private static void Write(Utf8JsonWriter w, EventClip clip)
    {
        w.WriteNumber("schema_version", ResultJson.SchemaVersion);
        w.WriteString("event_id", clip.EventId);
        w.WriteString("camera", clip.Camera);
        w.WriteString("file", clip.File);
        w.WriteNumber("bytes", clip.Bytes);
        w.WriteString("start_time", clip.Start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        w.WriteString("end_time", clip.End.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        w.WriteNumber("seconds", Math.Round(clip.Seconds, 3));
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Safe(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray());

    private bool _disposed;

    public void Dispose()
    {
        _timer?.Dispose();
        // Under the recorders' monitor: a Follow still running finishes first and none starts after.
        lock (_recorders)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (var recorder in _recorders.Values)
            {
                recorder.Dispose();
            }
            _recorders.Clear();
        }
        _stop.Dispose();
    }
}
