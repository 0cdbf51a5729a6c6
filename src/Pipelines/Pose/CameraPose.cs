using System.Numerics;

namespace StreamVision.Pipelines.Pose;

/// <summary>Pinhole intrinsics in pixels of the camera's frames.</summary>
public readonly record struct Intrinsics(float Fx, float Fy, float Cx, float Cy);

/// <summary>
/// Where a camera was at one instant, as its platform reports it (a drone's odometry): rotation
/// (unit quaternion, camera to world), translation in metres, whether a new trajectory starts here,
/// and optionally the intrinsics. <see cref="Time"/> is in seconds on the clock the stage matches
/// on (<see cref="PoseClock"/>).
/// </summary>
public readonly record struct CameraPose(double Time, Quaternion Rotation, Vector3 Translation, bool NewTrajectory = false, Intrinsics? Intrinsics = null);

/// <summary>Which frame time a pose's timestamp is compared with.</summary>
public enum PoseClock
{
    /// <summary>The frame's capture wall-clock time (UTC; pose "time" in Unix seconds or ISO 8601).</summary>
    CaptureTime,

    /// <summary>The frame's presentation time on the stream clock (pose "pts" in seconds).</summary>
    Pts,
}
