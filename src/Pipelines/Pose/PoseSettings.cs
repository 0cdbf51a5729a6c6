using System.Numerics;

namespace StreamVision.Pipelines.Pose;

/// <summary>A pose that does not change: a fixed camera, or a platform without odometry.</summary>
public sealed record FixedPose(Quaternion Rotation, Vector3 Translation, Intrinsics? Intrinsics)
{
    /// <summary>Only the intrinsics are configured; the pose itself must be received.</summary>
    public bool IntrinsicsOnly { get; init; }
}

/// <summary>How a stage with pose inputs finds each frame's pose.</summary>
/// <param name="Board">Poses received (from MQTT); null when only fixed poses are used.</param>
/// <param name="Tolerance">Largest gap between a frame's time and its pose's time.</param>
/// <param name="Fixed">Per camera: used when no received pose matches (and for intrinsics).</param>
public sealed record PoseSettings(PoseBoard? Board, PoseClock Clock, TimeSpan Tolerance, IReadOnlyDictionary<string, FixedPose> Fixed)
{
    public static readonly PoseSettings None = new(null, PoseClock.CaptureTime, TimeSpan.FromMilliseconds(50), new Dictionary<string, FixedPose>());
}
