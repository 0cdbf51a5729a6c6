using System.Globalization;
using OpenCvSharp;
using StreamVision.Ingest.Frames;

namespace StreamVision.Pipelines.Events;

/// <summary>
/// One camera's objects as events, Frigate-style: an event per track, <c>new</c> on its first
/// confirmed frame, <c>update</c> when it enters or leaves a zone, crosses a line, or has a better
/// snapshot (at most once per <see cref="EventSettings.UpdateInterval"/> for the latter), <c>end</c>
/// when the tracker ends the track or the stream starts over or ends; zone occupancy and line counts;
/// and a summary per minute of the camera's clock.
/// </summary>
internal sealed class CameraEvents(string camera, CameraZones zones, EventSettings settings)
{
    private static readonly IReadOnlyDictionary<string, int> NoCounts = new Dictionary<string, int>();

    /// <summary>Zone changes and crossings an event keeps (the latest): an object that stays for hours
    /// and keeps crossing must not make its messages grow without end. Counts are not affected.</summary>
    public const int History = 50;

    /// <summary>Least time between two JPEG encodings of one object: encoding costs a few ms.</summary>
    private static readonly TimeSpan SnapshotEvery = TimeSpan.FromSeconds(1);

    private readonly ZoneWatch _watch = new(camera, zones, settings.Inertia);
    private readonly Dictionary<int, Tracked> _objects = new();
    private readonly long[] _zoneEntries = new long[zones.Zones.Count];
    private readonly Dictionary<string, long>[] _lineTotals = zones.Lines.Select(_ => new Dictionary<string, long>()).ToArray();
    private Minute? _minute;

    private sealed class Tracked(string id, int trackId, string label, ZoneWatch.Place place, DateTimeOffset start, TimeSpan startPts)
    {
        public string Id { get; } = id;
        public int TrackId { get; } = trackId;
        public string Label { get; } = label;
        public ZoneWatch.Place Place { get; } = place;
        public DateTimeOffset Start { get; } = start;
        public TimeSpan StartPts { get; } = startPts;
        public DateTimeOffset LastSeen { get; set; } = start;
        public TimeSpan LastSeenPts { get; set; } = startPts;
        public float Score { get; set; }
        public float TopScore { get; set; }
        public EventBox Box { get; set; }
        public long Frames { get; set; }
        public List<string> Entered { get; } = new();
        public List<ZoneChange> ZoneChanges { get; } = new();
        public List<LineCrossing> Crossings { get; } = new();
        public SnapshotInfo? Snapshot { get; set; }
        public float SnapshotQuality { get; set; } = float.MinValue;
        public DateTimeOffset? SnapshotEncodedAt { get; set; }
        public bool SnapshotUnsent { get; set; }
        public EventObject? Sent { get; set; }
        public DateTimeOffset SentAt { get; set; }
    }

    /// <summary>What a minute of the camera's clock held.</summary>
    private sealed class Minute(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;
        public Dictionary<string, HashSet<int>> Objects { get; } = new();
        public SortedSet<string> Zones { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> Events { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Takes one frame's tracked detections.</summary>
    /// <param name="startedOver">The stream does not continue the previous frame: every open event ends.</param>
    public EventsResult Update(Frame frame, Detection.DetectionResult detections, bool startedOver)
    {
        _watch.Fit(frame.Width, frame.Height);
        var events = new List<ObjectEvent>();
        var snapshots = new List<EventSnapshot>();
        var reviews = new List<ReviewSummary>();
        var entered = zones.Zones.Select(_ => new List<int>()).ToArray();
        var left = zones.Zones.Select(_ => new List<int>()).ToArray();
        var crossings = zones.Lines.Select(_ => new List<LineCrossing>()).ToArray();
        if (startedOver)
        {
            EndAll(events, left);
        }
        if (CloseMinute(frame.CaptureTime, reviews))
        {
            foreach (var open in _objects.Values)
            {
                Note(open); // still open: part of the new minute too
            }
        }
        var visible = new List<VisibleObject>();
        foreach (var d in detections.Detections)
        {
            if (d.TrackId is not { } trackId || (settings.Labels.Count > 0 && !settings.Labels.Contains(d.ClassName)))
            {
                continue;
            }
            var box = new EventBox(d.X, d.Y, d.Width, d.Height);
            var isNew = !_objects.TryGetValue(trackId, out var o);
            if (o is null)
            {
                o = new Tracked(EventId(frame.CaptureTime, trackId), trackId, d.ClassName, _watch.NewPlace(), frame.CaptureTime, frame.Pts);
                _objects[trackId] = o;
            }
            o.LastSeen = frame.CaptureTime;
            o.LastSeenPts = frame.Pts;
            o.Score = d.Score;
            o.TopScore = Math.Max(o.TopScore, d.Score);
            o.Box = box;
            o.Frames++;
            var changed = false;
            _watch.Move(o.Place, o.Label, d.X + d.Width / 2, d.Y + d.Height, d.Height);
            foreach (var (zone, inside) in _watch.ZoneChanges)
            {
                changed = true;
                Keep(o.ZoneChanges, new ZoneChange(zones.Zones[zone].Name, inside, frame.CaptureTime, frame.Pts));
                if (inside)
                {
                    entered[zone].Add(trackId);
                    _zoneEntries[zone]++;
                    if (!o.Entered.Contains(zones.Zones[zone].Name))
                    {
                        o.Entered.Add(zones.Zones[zone].Name);
                    }
                }
                else
                {
                    left[zone].Add(trackId);
                }
            }
            foreach (var (line, direction) in _watch.Crossings)
            {
                changed = true;
                var crossing = new LineCrossing(zones.Lines[line].Name, direction, trackId, o.Label, frame.CaptureTime, frame.Pts);
                crossings[line].Add(crossing);
                Keep(o.Crossings, crossing);
                _lineTotals[line][direction] = _lineTotals[line].GetValueOrDefault(direction) + 1;
            }
            if (settings.Snapshots is { } snapshotSettings && TakeSnapshot(frame, o, d.Score, box, snapshotSettings) is { } snapshot)
            {
                snapshots.Add(snapshot);
            }
            // An event object is made only when a message goes out: most frames send none.
            if (isNew)
            {
                Send(o, new ObjectEvent("new", null, Describe(o, null)), events, frame.CaptureTime);
            }
            else if (changed || (o.SnapshotUnsent && frame.CaptureTime - o.SentAt >= settings.UpdateInterval))
            {
                Send(o, new ObjectEvent("update", o.Sent, Describe(o, null)), events, frame.CaptureTime);
            }
            visible.Add(new VisibleObject(trackId, o.Label, d.Score, box, ZonesOf(o), o.Id));
            Note(o);
        }
        // Every object whose track is no longer alive ends — also when the frame its track ended on
        // never reached this stage (a live queue dropped it).
        if (_objects.Count > visible.Count)
        {
            _gone.Clear();
            foreach (var (id, o) in _objects)
            {
                if (!Contains(detections.AliveTracks, id))
                {
                    _gone.Add(o);
                }
            }
            foreach (var o in _gone.OrderBy(o => o.TrackId))
            {
                _objects.Remove(o.TrackId);
                End(o, events, left);
            }
        }
        return Result(frame.Width, frame.Height, visible, entered, left, crossings, events, snapshots, reviews);
    }

    /// <summary>The stream ended: every open event ends, the open minute is summarised.</summary>
    public EventsResult Finish(int width, int height)
    {
        var events = new List<ObjectEvent>();
        var left = zones.Zones.Select(_ => new List<int>()).ToArray();
        EndAll(events, left);
        var reviews = new List<ReviewSummary>();
        CloseMinute(null, reviews);
        return Result(width, height, [], zones.Zones.Select(_ => new List<int>()).ToArray(), left, zones.Lines.Select(_ => new List<LineCrossing>()).ToArray(), events, [], reviews, final: true);
    }

    /// <summary>Open events, for tests and the final word.</summary>
    public int Open => _objects.Count;

    private EventsResult Result(int width, int height, List<VisibleObject> visible, List<int>[] entered, List<int>[] left, List<LineCrossing>[] crossings,
        List<ObjectEvent> events, List<EventSnapshot> snapshots, List<ReviewSummary> reviews, bool final = false)
    {
        // One pass over the open objects for every zone's counts and the camera's.
        var byZone = new Dictionary<string, int>[zones.Zones.Count];
        var inZone = new int[zones.Zones.Count];
        var present = new Dictionary<string, int>();
        foreach (var o in _objects.Values)
        {
            present[o.Label] = present.GetValueOrDefault(o.Label) + 1;
            for (var z = 0; z < inZone.Length; z++)
            {
                if (o.Place.Inside[z])
                {
                    inZone[z]++;
                    var counts = byZone[z] ??= new Dictionary<string, int>();
                    counts[o.Label] = counts.GetValueOrDefault(o.Label) + 1;
                }
            }
        }
        var zoneStates = new ZoneState[zones.Zones.Count];
        for (var z = 0; z < zoneStates.Length; z++)
        {
            zoneStates[z] = new ZoneState(zones.Zones[z].Name, inZone[z], byZone[z] ?? NoCounts, entered[z], left[z], _zoneEntries[z]);
        }
        var lineStates = zones.Lines.Select((line, l) =>
        {
            var (positive, negative) = _watch.Directions(l);
            var totals = new Dictionary<string, long> { [positive] = _lineTotals[l].GetValueOrDefault(positive), [negative] = _lineTotals[l].GetValueOrDefault(negative) };
            return new LineState(line.Name, totals, crossings[l]);
        }).ToList();
        return new EventsResult
        {
            FrameWidth = width, FrameHeight = height, Objects = visible, Zones = zoneStates, Lines = lineStates,
            Events = events, Snapshots = snapshots, Reviews = reviews, Final = final,
            Present = present,
        };
    }

    private readonly List<Tracked> _gone = new();

    private static bool Contains(IReadOnlyList<int> ids, int id)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] == id)
            {
                return true;
            }
        }
        return false;
    }

    private static void Keep<T>(List<T> history, T item)
    {
        if (history.Count == History)
        {
            history.RemoveAt(0);
        }
        history.Add(item);
    }

    private void EndAll(List<ObjectEvent> events, List<int>[] left)
    {
        foreach (var o in _objects.Values.OrderBy(o => o.TrackId).ToList())
        {
            End(o, events, left);
        }
        _objects.Clear();
    }

    private void End(Tracked o, List<ObjectEvent> events, List<int>[] left)
    {
        _watch.Leave(o.Place);
        foreach (var (zone, _) in _watch.ZoneChanges)
        {
            left[zone].Add(o.TrackId);
            Keep(o.ZoneChanges, new ZoneChange(zones.Zones[zone].Name, false, o.LastSeen, o.LastSeenPts));
        }
        var after = Describe(o, o.LastSeen);
        events.Add(new ObjectEvent("end", o.Sent, after));
    }

    private void Send(Tracked o, ObjectEvent e, List<ObjectEvent> events, DateTimeOffset now)
    {
        events.Add(e);
        o.Sent = e.After;
        o.SentAt = now;
        o.SnapshotUnsent = false;
    }

    private EventObject Describe(Tracked o, DateTimeOffset? end) => new(
        o.Id, camera, o.Label, o.TrackId, o.Score, o.TopScore, o.Box, ZonesOf(o), o.Entered.ToList(), o.ZoneChanges.ToList(), o.Crossings.ToList(),
        o.Start, end, o.LastSeen, o.StartPts, o.LastSeenPts, o.Frames, o.Snapshot);

    private IReadOnlyList<string> ZonesOf(Tracked o)
    {
        List<string>? inside = null;
        for (var z = 0; z < zones.Zones.Count; z++)
        {
            if (o.Place.Inside[z])
            {
                (inside ??= new List<string>(1)).Add(zones.Zones[z].Name);
            }
        }
        return inside ?? (IReadOnlyList<string>)[];
    }

    /// <summary>A view is better when its score is higher; a box cut by the frame's edge counts less
    /// (part of the object is missing).</summary>
    private EventSnapshot? TakeSnapshot(Frame frame, Tracked o, float score, EventBox box, SnapshotSettings s)
    {
        var cut = box.X <= 1 || box.Y <= 1 || box.X + box.Width >= frame.Width - 1 || box.Y + box.Height >= frame.Height - 1;
        var quality = score - (cut ? 0.5f : 0);
        if (quality <= o.SnapshotQuality + 0.01f || (o.SnapshotEncodedAt is { } at && frame.CaptureTime - at < SnapshotEvery))
        {
            return null;
        }
        var jpeg = Crop(frame, box, s);
        if (jpeg is null)
        {
            return null;
        }
        o.SnapshotQuality = quality;
        o.SnapshotEncodedAt = frame.CaptureTime;
        o.Snapshot = new SnapshotInfo(frame.CaptureTime, frame.Sequence, score, box);
        o.SnapshotUnsent = true;
        return new EventSnapshot(o.Id, o.Label, o.TrackId, jpeg, o.Snapshot);
    }

    private static byte[]? Crop(Frame frame, EventBox box, SnapshotSettings s)
    {
        var mx = box.Width * s.Margin;
        var my = box.Height * s.Margin;
        var left = (int)Math.Clamp(Math.Floor(box.X - mx), 0, frame.Width - 1);
        var top = (int)Math.Clamp(Math.Floor(box.Y - my), 0, frame.Height - 1);
        var right = (int)Math.Clamp(Math.Ceiling(box.X + box.Width + mx), left + 1, frame.Width);
        var bottom = (int)Math.Clamp(Math.Ceiling(box.Y + box.Height + my), top + 1, frame.Height);
        if (right - left < 2 || bottom - top < 2)
        {
            return null;
        }
        using var crop = new Mat(frame.Mat, new Rect(left, top, right - left, bottom - top));
        return crop.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, s.Quality));
    }

    private void Note(Tracked o)
    {
        if (_minute is null)
        {
            return;
        }
        if (!_minute.Objects.TryGetValue(o.Label, out var ids))
        {
            _minute.Objects[o.Label] = ids = new HashSet<int>();
        }
        ids.Add(o.TrackId);
        _minute.Events.Add(o.Id);
        foreach (var zone in ZonesOf(o))
        {
            _minute.Zones.Add(zone);
        }
    }

    /// <summary>Starts the minute of <paramref name="now"/> (true when it started); the minute before is
    /// summarised if anything was in it.</summary>
    private bool CloseMinute(DateTimeOffset? now, List<ReviewSummary> reviews)
    {
        var start = now is { } t ? new DateTimeOffset(t.Ticks - t.Ticks % TimeSpan.TicksPerMinute, t.Offset) : (DateTimeOffset?)null;
        if (_minute is { } open && open.Start != start)
        {
            if (open.Events.Count > 0)
            {
                reviews.Add(new ReviewSummary(camera, open.Start, open.Start.AddMinutes(1),
                    open.Objects.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value.Count), open.Zones.ToList(), open.Events.ToList()));
            }
            _minute = null;
        }
        if (start is { } s && _minute is null)
        {
            _minute = new Minute(s);
            return true;
        }
        return false;
    }

    private string EventId(DateTimeOffset start, int trackId)
        => $"{start.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}-{camera}-{trackId.ToString(CultureInfo.InvariantCulture)}";
}
