namespace StreamVision.Pipelines.Tracking;

/// <summary>Where a track is in its life (ByteTrack's STrack states).</summary>
public enum TrackState
{
    /// <summary>Matched in the latest frame.</summary>
    Tracked,

    /// <summary>Not matched lately; kept (predicted) for up to <see cref="TrackerSettings.LostFrames"/> frames.</summary>
    Lost,

    /// <summary>Ended; never matched again.</summary>
    Removed,
}

/// <summary>One object followed over frames: its id, Kalman estimate and life.</summary>
public sealed class Track
{
    private readonly KalmanBoxFilter _filter;

    internal Track(int id, int classId, ReadOnlySpan<double> box, int frame, float score, bool confirmed)
    {
        Id = id;
        ClassId = classId;
        _filter = new KalmanBoxFilter(box);
        StartFrame = LastSeenFrame = frame;
        Score = score;
        Confirmed = confirmed;
    }

    public int Id { get; }
    public int ClassId { get; }
    public TrackState State { get; internal set; } = TrackState.Tracked;

    /// <summary>False until the track has been matched in a second frame (a single detection may be noise).</summary>
    public bool Confirmed { get; internal set; }

    public int StartFrame { get; }
    public int LastSeenFrame { get; private set; }
    public float Score { get; private set; }

    /// <summary>The box estimate as left, top, width, height.</summary>
    public (double X, double Y, double Width, double Height) Box
    {
        get
        {
            var b = _filter.Box;
            var width = b[2] * b[3];
            return (b[0] - width / 2, b[1] - b[3] / 2, width, b[3]);
        }
    }

    internal void Predict()
    {
        if (State != TrackState.Tracked)
        {
            _filter.FreezeHeightVelocity();
        }
        _filter.Predict();
    }

    internal void Update(ReadOnlySpan<double> box, int frame, float score)
    {
        _filter.Update(box);
        LastSeenFrame = frame;
        Score = score;
        State = TrackState.Tracked;
        Confirmed = true;
    }
}
