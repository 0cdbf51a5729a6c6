using StreamVision.Pipelines.Graph;

namespace StreamVision.Pipelines.Detection;

/// <summary>The objects found in one frame, boxes in that frame's pixels.</summary>
public sealed class DetectionResult : StageResult
{
    public required IReadOnlyList<Detection> Detections { get; init; }
    public required int FrameWidth { get; init; }
    public required int FrameHeight { get; init; }

    /// <summary>The stage tracks objects: every detection says its track (or null).</summary>
    public bool Tracked { get; init; }

    /// <summary>Tracks that ended with this frame (their last detection was earlier); consumers close
    /// what they keep per track. After a restart of the stream every earlier track has ended too.</summary>
    public IReadOnlyList<int> EndedTracks { get; init; } = [];

    /// <summary>Every confirmed track alive after this frame (seen now or lost for less than
    /// lost_seconds): a consumer that missed the frame a track ended on still sees it is gone.</summary>
    public IReadOnlyList<int> AliveTracks { get; init; } = [];
}
