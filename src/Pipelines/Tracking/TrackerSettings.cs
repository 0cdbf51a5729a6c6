namespace StreamVision.Pipelines.Tracking;

/// <summary>ByteTrack's knobs (defaults are the paper's for MOT17 at 30 fps).</summary>
/// <param name="HighScore">Detections at or above this go to the first association and may start tracks.</param>
/// <param name="LowScore">Detections between this and <paramref name="HighScore"/> only continue tracks (the second association, ByteTrack's idea).</param>
/// <param name="NewTrackScore">A detection needs this score to start a track.</param>
/// <param name="MatchCost">First association: 1 − IoU (weighted by score) must stay below this.</param>
/// <param name="LowMatchCost">Second association (low-score detections): 1 − IoU must stay below this.</param>
/// <param name="LostFrames">A track not seen for this many frames ends (its id is never reused).</param>
public sealed record TrackerSettings(
    float HighScore = 0.5f,
    float LowScore = 0.1f,
    float NewTrackScore = 0.6f,
    double MatchCost = 0.8,
    double LowMatchCost = 0.5,
    int LostFrames = 30)
{
    /// <summary>Unconfirmed tracks (seen once) must match again below this cost or are dropped.</summary>
    public double UnconfirmedMatchCost { get; init; } = 0.7;
}
