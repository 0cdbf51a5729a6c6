namespace StreamVision.Pipelines.Tracking;

/// <summary>ByteTrack's knobs (defaults are the paper's for MOT17 at 30 fps).</summary>
/// <param name="HighScore">Detections at or above this go to the first association and may start tracks.</param>
/// <param name="LowScore">Detections between this and <paramref name="HighScore"/> only continue tracks (the second association, ByteTrack's idea).</param>
/// <param name="NewTrackScore">A detection needs this score to start a track.</param>
/// <param name="LostSeconds">A track not seen for this long (stream time) ends; its id is not reused.
/// Time, not frames: a live stage that drops frames sees fewer of them.</param>
public sealed record TrackerSettings(float HighScore = 0.5f, float LowScore = 0.1f, float NewTrackScore = 0.6f, double LostSeconds = 1.0)
{
    /// <summary>First association: 1 − IoU × score must stay below this.</summary>
    public double MatchCost { get; init; } = 0.8;

    /// <summary>Second association (low-score detections): 1 − IoU must stay below this.</summary>
    public double LowMatchCost { get; init; } = 0.5;

    /// <summary>Unconfirmed tracks (seen once) must match again below this cost or are dropped.</summary>
    public double UnconfirmedMatchCost { get; init; } = 0.7;
}
