namespace StreamVision.Pipelines.Pose;

/// <summary>
/// The recent poses of one camera, ordered by time (late arrivals are inserted in place), bounded
/// to a fixed number so a chatty publisher cannot grow memory. Thread-safe: MQTT writes while the
/// stage reads.
/// </summary>
public sealed class PoseTimeline(int capacity = 1024)
{
    private readonly List<CameraPose> _poses = new(capacity);

    public int Count
    {
        get
        {
            lock (_poses)
            {
                return _poses.Count;
            }
        }
    }

    public void Add(CameraPose pose)
    {
        lock (_poses)
        {
            var at = _poses.Count;
            while (at > 0 && _poses[at - 1].Time > pose.Time)
            {
                at--;
            }
            _poses.Insert(at, pose);
            if (_poses.Count > capacity)
            {
                _poses.RemoveAt(0);
            }
        }
    }

    /// <summary>The pose nearest to <paramref name="time"/> if it lies within <paramref name="tolerance"/> seconds.</summary>
    public bool TryNearest(double time, double tolerance, out CameraPose pose)
    {
        lock (_poses)
        {
            // First pose at or after time; the nearest is it or the one before.
            int lo = 0, hi = _poses.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (_poses[mid].Time < time)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            var best = -1;
            var bestGap = double.MaxValue;
            foreach (var i in (ReadOnlySpan<int>)[lo - 1, lo])
            {
                if (i >= 0 && i < _poses.Count && Math.Abs(_poses[i].Time - time) < bestGap)
                {
                    best = i;
                    bestGap = Math.Abs(_poses[i].Time - time);
                }
            }
            if (best >= 0 && bestGap <= tolerance)
            {
                pose = _poses[best];
                return true;
            }
            pose = default;
            return false;
        }
    }
}

/// <summary>Every camera's pose timeline; the host feeds it from MQTT, stages read from it.</summary>
public sealed class PoseBoard
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PoseTimeline> _timelines = new();

    public PoseTimeline For(string camera) => _timelines.GetOrAdd(camera, _ => new PoseTimeline());

    public void Add(string camera, CameraPose pose) => For(camera).Add(pose);
}
