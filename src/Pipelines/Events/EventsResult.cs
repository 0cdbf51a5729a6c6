using StreamVision.Pipelines.Graph;

namespace StreamVision.Pipelines.Events;

/// <summary>A box in frame pixels (top-left corner, width, height).</summary>
public readonly record struct EventBox(float X, float Y, float Width, float Height);

/// <summary>The best view of an object so far: when, how confident, where.</summary>
public sealed record SnapshotInfo(DateTimeOffset Time, long Sequence, float Score, EventBox Box);

/// <summary>An object crossed a line; <paramref name="Direction"/> names the side it went to.</summary>
public sealed record LineCrossing(string Line, string Direction, int TrackId, string Label, DateTimeOffset Time, TimeSpan Pts);

/// <summary>An object entered or left a zone.</summary>
public sealed record ZoneChange(string Zone, bool Entered, DateTimeOffset Time, TimeSpan Pts);

/// <summary>An object's event as published: one per track, from its first confirmed frame to its end.</summary>
public sealed record EventObject(
    string Id, string Camera, string Label, int TrackId, float Score, float TopScore, EventBox Box,
    IReadOnlyList<string> Zones, IReadOnlyList<string> EnteredZones, IReadOnlyList<ZoneChange> ZoneChanges, IReadOnlyList<LineCrossing> Crossings,
    DateTimeOffset StartTime, DateTimeOffset? EndTime, DateTimeOffset LastSeen, TimeSpan StartPts, TimeSpan LastSeenPts, long Frames, SnapshotInfo? Snapshot);

/// <summary>A change of an event: new (Before is null), update or end.</summary>
public sealed record ObjectEvent(string Type, EventObject? Before, EventObject After);

/// <summary>The JPEG of an event's new best view.</summary>
public sealed record EventSnapshot(string EventId, string Label, int TrackId, byte[] Jpeg, SnapshotInfo Info);

/// <summary>A tracked object in this frame and the zones it is in.</summary>
public sealed record VisibleObject(int TrackId, string Label, float Score, EventBox Box, IReadOnlyList<string> Zones, string EventId);

/// <summary>A zone now: objects in it (by class), who entered and left with this frame, entries since start.</summary>
public sealed record ZoneState(string Name, int Count, IReadOnlyDictionary<string, int> ByLabel, IReadOnlyList<int> Entered, IReadOnlyList<int> Left, long TotalEntered);

/// <summary>A line now: crossings since start by direction, and those of this frame.</summary>
public sealed record LineState(string Name, IReadOnlyDictionary<string, long> Totals, IReadOnlyList<LineCrossing> Crossings);

/// <summary>What happened on a camera in one minute of its clock: objects by class (distinct tracks),
/// zones entered and the events that were open.</summary>
public sealed record ReviewSummary(string Camera, DateTimeOffset Start, DateTimeOffset End, IReadOnlyDictionary<string, int> Objects, IReadOnlyList<string> Zones, IReadOnlyList<string> Events);

/// <summary>The events stage's word on one frame: the objects and zones now, and what changed.</summary>
public sealed class EventsResult : StageResult
{
    public required int FrameWidth { get; init; }
    public required int FrameHeight { get; init; }
    public required IReadOnlyList<VisibleObject> Objects { get; init; }
    public required IReadOnlyList<ZoneState> Zones { get; init; }
    public required IReadOnlyList<LineState> Lines { get; init; }
    public required IReadOnlyList<ObjectEvent> Events { get; init; }
    public required IReadOnlyList<EventSnapshot> Snapshots { get; init; }
    public required IReadOnlyList<ReviewSummary> Reviews { get; init; }

    /// <summary>Objects with an open event, by class (one briefly unseen still counts): the camera's
    /// steady object counts.</summary>
    public required IReadOnlyDictionary<string, int> Present { get; init; }

    /// <summary>The stream ended (the result of <see cref="IFrameStage.Finish"/>): no frame of its own.</summary>
    public bool Final { get; init; }

    /// <summary>Events, snapshots and reviews happen once: never dropped on the way to the sinks.</summary>
    public override bool MustDeliver => Events.Count > 0 || Snapshots.Count > 0 || Reviews.Count > 0;
}
