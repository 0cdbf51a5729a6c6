using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Pipelines.Events;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Files;

namespace StreamVision.Host.Hosting;

/// <summary>
/// What the live service keeps of its events for people who look later (REST, the live page): the
/// latest state of the most recent <see cref="Keep"/> events in memory, and each event's best
/// snapshot on disk in a folder bounded in bytes and days (stages.events.snapshots). A result sink.
/// </summary>
public sealed class EventArchive : IResultSink
{
    /// <summary>Events remembered (the oldest by last change go first): bounded memory.</summary>
    public const int Keep = 500;

    private readonly Dictionary<string, (EventObject Event, long Changed)> _events = new(StringComparer.Ordinal);
    private readonly ILogger _log;
    private long _changes;
    private long _snapshotFailures;

    public EventArchive(ServiceConfig config, ILoggerFactory loggers)
    {
        _log = loggers.CreateLogger("events");
        var snapshots = config.Stages.Events.Snapshots;
        if (config.Stages.Events.Runs(config.Stages) && snapshots.Enabled)
        {
            Snapshots = MediaFolder("stages.events.snapshots.dir", ConfigLoader.ResolvePath(config, snapshots.Dir), snapshots.MaxMb, snapshots.MaxDays);
        }
    }

    /// <summary>A bounded media folder, or a configuration error naming <paramref name="key"/> when it cannot be made.</summary>
    internal static BoundedFolder MediaFolder(string key, string path, double maxMb, double maxDays)
    {
        try
        {
            return new BoundedFolder(path, (long)(maxMb * 1024 * 1024), TimeSpan.FromDays(maxDays));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Pipelines.Configuration.ConfigurationException($"{key}: {e.Message}", e);
        }
    }

    /// <summary>The snapshot folder, or null when snapshots are off.</summary>
    public BoundedFolder? Snapshots { get; }

    public void Write(StageResult result)
    {
        if (result is not EventsResult events)
        {
            return;
        }
        foreach (var snapshot in events.Snapshots)
        {
            try
            {
                Snapshots?.Write(EventsEncoder.SnapshotFile(events.CameraId, snapshot.EventId), snapshot.Jpeg);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A full disk must not flood the log: the first failure and every 100th.
                if (Interlocked.Increment(ref _snapshotFailures) % 100 == 1)
                {
                    _log.LogWarning("snapshot of event {Event} not saved in {Folder}: {Message} ({Count} so far); events are still published", snapshot.EventId, Snapshots!.Root, e.Message, _snapshotFailures);
                }
            }
        }
        lock (_events)
        {
            foreach (var e in events.Events)
            {
                _events[e.After.Id] = (e.After, ++_changes);
            }
            if (_events.Count > Keep)
            {
                foreach (var old in _events.OrderBy(p => p.Value.Changed).Take(_events.Count - Keep).Select(p => p.Key).ToList())
                {
                    _events.Remove(old);
                }
            }
        }
    }

    /// <summary>The most recent events (by start, newest first), of one camera or all.</summary>
    public IReadOnlyList<EventObject> Recent(string? camera, int limit)
    {
        lock (_events)
        {
            return _events.Values.Select(v => v.Event).Where(e => camera is null || e.Camera == camera)
                .OrderByDescending(e => e.StartTime).ThenByDescending(e => e.Id, StringComparer.Ordinal).Take(limit).ToList();
        }
    }

    public EventObject? Get(string id)
    {
        lock (_events)
        {
            return _events.TryGetValue(id, out var e) ? e.Event : null;
        }
    }

    /// <summary>The file of an event's best snapshot, or null (no such event, no snapshot yet, or trimmed away).</summary>
    public string? SnapshotPath(EventObject e) => e.Snapshot is null ? null : Snapshots?.PathOf(EventsEncoder.SnapshotFile(e.Camera, e.Id));
}
