namespace StreamVision.Pipelines.Tracking;

/// <summary>
/// Tracks one camera's detections class by class (a person never continues a car's track), each class
/// with its own settings, ids unique across classes and increasing for as long as the camera runs
/// (a restarted camera or service starts again at 1).
/// </summary>
public sealed class ObjectTracker
{
    private readonly TrackerSettings _defaults;
    private readonly IReadOnlyDictionary<int, TrackerSettings>? _perClass;
    private readonly Dictionary<int, ByteTracker> _byClass = new();

    /// <summary>Each class's detections of the frame, by index (lists reused every frame).</summary>
    private readonly Dictionary<int, List<int>> _indices = new();
    private int _lastId;
    private long _frames;

    public ObjectTracker(TrackerSettings defaults, IReadOnlyDictionary<int, TrackerSettings>? perClass = null)
    {
        (_defaults, _perClass) = (defaults, perClass);
        LowestScore = Math.Min(defaults.LowScore, perClass?.Values.Select(s => s.LowScore).DefaultIfEmpty(1).Min() ?? 1);
    }

    private readonly List<int> _ended = new();

    /// <summary>Confirmed tracks that ended in the latest frame, of every class.</summary>
    public IReadOnlyList<int> Ended => _ended;

    /// <summary>The ids of every confirmed track still alive after the latest frame, of every class
    /// (a new array: it travels with the frame's result).</summary>
    public int[] Alive()
    {
        _alive.Clear();
        foreach (var tracker in _byClass.Values)
        {
            tracker.AddAlive(_alive);
        }
        return _alive.Count == 0 ? [] : _alive.ToArray();
    }

    private readonly List<int> _alive = new();

    /// <summary>The lowest score any class's tracker uses: detections below it are never looked at.</summary>
    public float LowestScore { get; }

    /// <summary>The track id of each detection of this frame (null: not part of a confirmed track).</summary>
    /// <param name="time">The frame's stream time in seconds (pts).</param>
    public int?[] Update(IReadOnlyList<Detection.Detection> detections, double time)
    {
        var ids = new int?[detections.Count];
        Update(detections, time, ids);
        return ids;
    }

    /// <summary>As above, writing the ids into <paramref name="ids"/> (at least one per detection):
    /// with a buffer kept by the caller, a frame in the steady state allocates nothing.</summary>
    public void Update(IReadOnlyList<Detection.Detection> detections, double time, int?[] ids)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ids.Length, detections.Count);
        Array.Clear(ids, 0, detections.Count);
        _frames++;
        _ended.Clear();
        foreach (var indices in _indices.Values)
        {
            indices.Clear();
        }
        for (var i = 0; i < detections.Count; i++)
        {
            var classId = detections[i].ClassId;
            if (!_byClass.ContainsKey(classId))
            {
                _byClass[classId] = new ByteTracker(_perClass?.GetValueOrDefault(classId) ?? _defaults, () => ++_lastId);
                _indices[classId] = new List<int>();
            }
            _indices[classId].Add(i);
        }
        // Every class's tracker sees every frame, with or without detections, so its tracks age.
        foreach (var (classId, tracker) in _byClass)
        {
            tracker.Update(detections, _indices[classId], ids, time, cameraFirstFrame: _frames == 1);
            _ended.AddRange(tracker.Ended);
        }
    }

    /// <summary>After a discontinuity (reconnect, loop) nothing continues; new tracks get new ids.</summary>
    public void Restart()
    {
        _byClass.Clear();
        _indices.Clear();
        _ended.Clear();
        _frames = 0;
    }
}
