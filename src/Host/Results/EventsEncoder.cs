using System.Globalization;
using System.Text.Json;
using StreamVision.Pipelines.Events;

namespace StreamVision.Host.Results;

/// <summary>
/// The events stage's payloads: per frame on &lt;prefix&gt;/&lt;camera&gt;/events (objects and their
/// zones, zone occupancy, line counts); each event change on &lt;prefix&gt;/events; each minute's
/// summary on &lt;prefix&gt;/reviews; each new best view as a retained JPEG on
/// &lt;prefix&gt;/&lt;camera&gt;/&lt;label&gt;/snapshot. See docs/MQTT.md and docs/schemas/v1/events*.json.
/// </summary>
public static class EventsEncoder
{
    public const string EventsTopic = "events";
    public const string ReviewsTopic = "reviews";

    public static string SnapshotTopic(string camera, string label) => $"{camera}/{label}/snapshot";

    /// <summary>A batch's files of event messages and reviews, below the input's folder (lines carry the frame's seq).</summary>
    public static readonly IReadOnlyList<string> LogFiles = ["event-log.jsonl", "reviews.jsonl"];

    /// <summary>Where a batch (and the live snapshot folder) keeps an event's best view.</summary>
    public static string SnapshotFile(string camera, string eventId) => $"{camera}/snapshots/{eventId}.jpg";

    public static EncodedResult Encode(EventsResult r, DateTimeOffset publishTime)
    {
        var json = r.Final ? [] : ResultJson.Write(r, publishTime, w =>
        {
            ResultJson.Frame(w, r.FrameWidth, r.FrameHeight);
            w.WriteStartArray("objects");
            foreach (var o in r.Objects)
            {
                w.WriteStartObject();
                w.WriteNumber("track_id", o.TrackId);
                w.WriteString("label", o.Label);
                w.WriteNumber("score", Math.Round(o.Score, 4));
                WriteBox(w, "box", o.Box);
                WriteStrings(w, "zones", o.Zones);
                w.WriteString("event_id", o.EventId);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("zones");
            foreach (var zone in r.Zones)
            {
                w.WriteStartObject(zone.Name);
                w.WriteNumber("count", zone.Count);
                w.WriteStartObject("by_label");
                foreach (var (label, count) in zone.ByLabel.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    w.WriteNumber(label, count);
                }
                w.WriteEndObject();
                WriteInts(w, "entered", zone.Entered);
                WriteInts(w, "left", zone.Left);
                w.WriteNumber("total_entered", zone.TotalEntered);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartObject("lines");
            foreach (var line in r.Lines)
            {
                w.WriteStartObject(line.Name);
                w.WriteStartObject("totals");
                foreach (var (direction, count) in line.Totals)
                {
                    w.WriteNumber(direction, count);
                }
                w.WriteEndObject();
                w.WriteStartArray("crossings");
                foreach (var c in line.Crossings)
                {
                    w.WriteStartObject();
                    w.WriteNumber("track_id", c.TrackId);
                    w.WriteString("label", c.Label);
                    w.WriteString("direction", c.Direction);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        });
        var extras = new List<ExtraMessage>();
        foreach (var e in r.Events)
        {
            extras.Add(new ExtraMessage(EventsTopic, ResultJson.Object(w => WriteEvent(w, e, r.Sequence)), "application/json", Retain: false, $"{r.CameraId}/{LogFiles[0]}", AppendLine: true));
        }
        foreach (var review in r.Reviews)
        {
            extras.Add(new ExtraMessage(ReviewsTopic, ResultJson.Object(w => WriteReview(w, review, r.Sequence)), "application/json", Retain: false, $"{r.CameraId}/{LogFiles[1]}", AppendLine: true));
        }
        foreach (var s in r.Snapshots)
        {
            extras.Add(new ExtraMessage(SnapshotTopic(r.CameraId, s.Label), s.Jpeg, "image/jpeg", Retain: true, SnapshotFile(r.CameraId, s.EventId), AppendLine: false)
            {
                UserProperties =
                [
                    new("event_id", s.EventId),
                    new("track_id", s.TrackId.ToString(CultureInfo.InvariantCulture)),
                    new("score", s.Info.Score.ToString("0.####", CultureInfo.InvariantCulture)),
                    new("capture_time", Time(s.Info.Time)),
                ],
            });
        }
        return new EncodedResult(json, []) { Extras = extras };
    }

    /// <summary>Events as kept for REST: a JSON array of the objects (the shape of an event's "after").</summary>
    public static byte[] EventsJson(IEnumerable<EventObject> events) => ResultJson.Array(events, WriteObject);

    public static byte[] EventJson(EventObject e) => ResultJson.Object(w => WriteObject(w, e));

    private static void WriteEvent(Utf8JsonWriter w, ObjectEvent e, long seq)
    {
        w.WriteNumber("schema_version", ResultJson.SchemaVersion);
        w.WriteString("type", e.Type);
        w.WriteString("camera", e.After.Camera);
        w.WriteNumber("seq", seq);
        if (e.Before is { } before)
        {
            w.WriteStartObject("before");
            WriteObject(w, before);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("before");
        }
        w.WriteStartObject("after");
        WriteObject(w, e.After);
        w.WriteEndObject();
    }

    private static void WriteObject(Utf8JsonWriter w, EventObject o)
    {
        w.WriteString("id", o.Id);
        w.WriteString("camera", o.Camera);
        w.WriteString("label", o.Label);
        w.WriteNumber("track_id", o.TrackId);
        w.WriteNumber("score", Math.Round(o.Score, 4));
        w.WriteNumber("top_score", Math.Round(o.TopScore, 4));
        WriteBox(w, "box", o.Box);
        WriteStrings(w, "zones", o.Zones);
        WriteStrings(w, "entered_zones", o.EnteredZones);
        w.WriteStartArray("zone_changes");
        foreach (var z in o.ZoneChanges)
        {
            w.WriteStartObject();
            w.WriteString("zone", z.Zone);
            w.WriteString("change", z.Entered ? "entered" : "left");
            w.WriteString("time", Time(z.Time));
            w.WriteNumber("pts", Math.Round(z.Pts.TotalSeconds, 6));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("crossings");
        foreach (var c in o.Crossings)
        {
            w.WriteStartObject();
            w.WriteString("line", c.Line);
            w.WriteString("direction", c.Direction);
            w.WriteString("time", Time(c.Time));
            w.WriteNumber("pts", Math.Round(c.Pts.TotalSeconds, 6));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("start_time", Time(o.StartTime));
        if (o.EndTime is { } end)
        {
            w.WriteString("end_time", Time(end));
        }
        else
        {
            w.WriteNull("end_time");
        }
        w.WriteString("last_seen", Time(o.LastSeen));
        w.WriteNumber("start_pts", Math.Round(o.StartPts.TotalSeconds, 6));
        w.WriteNumber("last_seen_pts", Math.Round(o.LastSeenPts.TotalSeconds, 6));
        w.WriteNumber("frames", o.Frames);
        w.WriteBoolean("has_snapshot", o.Snapshot is not null);
        if (o.Snapshot is { } s)
        {
            w.WriteStartObject("snapshot");
            w.WriteString("time", Time(s.Time));
            w.WriteNumber("seq", s.Sequence);
            w.WriteNumber("score", Math.Round(s.Score, 4));
            WriteBox(w, "box", s.Box);
            w.WriteString("topic", SnapshotTopic(o.Camera, o.Label));
            w.WriteString("file", SnapshotFile(o.Camera, o.Id));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("snapshot");
        }
    }

    private static void WriteReview(Utf8JsonWriter w, ReviewSummary review, long seq)
    {
        w.WriteNumber("schema_version", ResultJson.SchemaVersion);
        w.WriteString("type", "minute");
        w.WriteString("camera", review.Camera);
        w.WriteNumber("seq", seq);
        w.WriteString("start_time", Time(review.Start));
        w.WriteString("end_time", Time(review.End));
        w.WriteStartObject("objects");
        foreach (var (label, count) in review.Objects)
        {
            w.WriteNumber(label, count);
        }
        w.WriteEndObject();
        WriteStrings(w, "zones", review.Zones);
        WriteStrings(w, "events", review.Events);
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static void WriteBox(Utf8JsonWriter w, string name, EventBox b) => ResultJson.Box(w, name, b.X, b.Y, b.Width, b.Height);

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    private static void WriteInts(Utf8JsonWriter w, string name, IEnumerable<int> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }
        w.WriteEndArray();
    }
}
