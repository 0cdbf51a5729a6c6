namespace StreamVision.Pipelines.Tracking;

/// <summary>Where a track is in its life (ByteTrack's STrack states).</summary>
public enum TrackState
{
    /// <summary>Matched in the latest frame.</summary>
    Tracked,

    /// <summary>Not matched lately; kept (predicted) for up to <see cref="TrackerSettings.LostSeconds"/>.</summary>
    Lost,

    /// <summary>Ended; never matched again.</summary>
    Removed,
}

/// <summary>One object followed over frames: its id, Kalman estimate and life.</summary>
public sealed class Track
{
    private readonly KalmanBoxFilter _filter;

    internal Track(int id, int classId, ReadOnlySpan<double> box, int frame, double time, float score, bool confirmed)
    {
        Id = id;
        ClassId = classId;
        _filter = new KalmanBoxFilter(box);
        StartFrame = LastSeenFrame = frame;
        LastSeenTime = time;
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

    /// <summary>Stream time (seconds) of the frame it was last matched in.</summary>
    public double LastSeenTime { get; private set; }
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

    /// <param name="steps">How far ahead, in 1/30 s steps (the filter's unit of velocity).</param>
    internal void Predict(double steps)
    {
        if (State != TrackState.Tracked)
        {
            _filter.FreezeHeightVelocity();
        }
        _filter.Predict(steps);
    }

    internal void Update(ReadOnlySpan<double> box, int frame, double time, float score)
    {
        _filter.Update(box);
        LastSeenFrame = frame;
        LastSeenTime = time;
        Score = score;
        State = TrackState.Tracked;
        Confirmed = true;
    }
}
