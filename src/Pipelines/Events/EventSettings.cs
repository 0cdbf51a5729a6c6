namespace StreamVision.Pipelines.Events;

/// <summary>Settings of the events stage.</summary>
/// <param name="Labels">Classes that make events; empty: every tracked class.</param>
/// <param name="UpdateInterval">Least time between two updates of one event for a better snapshot
/// (a change of zones is sent at once): what bounds the messages per object.</param>
/// <param name="Inertia">Frames in a row an object must be inside (outside) a zone to enter (leave) it.</param>
/// <param name="Snapshots">JPEG of the best view of each object; null: none.</param>
public sealed record EventSettings(IReadOnlySet<string> Labels, TimeSpan UpdateInterval, int Inertia, SnapshotSettings? Snapshots)
{
    public static readonly EventSettings Default = new(new HashSet<string>(), TimeSpan.FromSeconds(5), 3, new SnapshotSettings(80, 0.1));
}

/// <param name="Quality">JPEG quality 1..100.</param>
/// <param name="Margin">Extra room around the box, as a fraction of its size on each side.</param>
public sealed record SnapshotSettings(int Quality, double Margin);
