using System.Numerics;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.Pose;

/// <summary>Where a frame's pose came from.</summary>
public enum PoseSource
{
    /// <summary>A received pose (MQTT) within the tolerance of the frame's time.</summary>
    Received,

    /// <summary>The camera's fixed pose from the configuration.</summary>
    Fixed,

    /// <summary>Neither: the model got no motion (identity rotation, zero translation), and the next
    /// frame with a pose starts a new trajectory.</summary>
    Missing,
}

/// <summary>What the stage fed the model for one frame, for the result's JSON.</summary>
/// <param name="Gap">Pose time minus frame time (received poses only).</param>
public readonly record struct PoseUse(PoseSource Source, TimeSpan Gap, bool NewTrajectory);

/// <summary>
/// Fills a model's pose inputs for each frame of one camera. Received poses are matched to the
/// frame by nearest timestamp within the tolerance; otherwise the camera's fixed pose is used;
/// otherwise the pose is missing. Models that want relative motion (Co-SemDepth/M4Depth) get the
/// motion since the previous frame, expressed in the previous camera's frame:
/// R = R_prev⁻¹·R_cur, t = R_prev⁻¹·(t_cur − t_prev). A new trajectory starts on the camera's first
/// frame, after a discontinuity (reconnect, loop), after a missing pose, or when the pose says so.
/// Intrinsics (frame pixels) are scaled to the model input the way the image was.
/// </summary>
public sealed class PoseFeeder(PoseInputsSpec spec, InputTensorSpec image, PoseSettings settings, string camera)
{
    private readonly PoseTimeline? _timeline = settings.Board?.For(camera);
    private readonly FixedPose? _fixed = settings.Fixed.GetValueOrDefault(camera);
    private CameraPose? _previous;

    /// <param name="startsOver">The stream started over at this frame (the stage's <see cref="ContinuityWatch"/>).</param>
    public PoseUse Fill(Frame frame, ModelBuffers buffers, bool startsOver)
    {
        var time = settings.Clock == PoseClock.Pts ? frame.Pts.TotalSeconds : frame.CaptureTime.ToUnixTimeMilliseconds() / 1000.0;
        CameraPose pose;
        PoseSource source;
        var gap = TimeSpan.Zero;
        if (_timeline is not null && _timeline.TryNearest(time, settings.Tolerance.TotalSeconds, out var received))
        {
            (pose, source, gap) = (received, PoseSource.Received, TimeSpan.FromSeconds(received.Time - time));
        }
        else if (_fixed is { IntrinsicsOnly: false })
        {
            (pose, source) = (new CameraPose(time, _fixed.Rotation, _fixed.Translation, false, _fixed.Intrinsics), PoseSource.Fixed);
        }
        else
        {
            (pose, source) = (new CameraPose(time, Quaternion.Identity, Vector3.Zero), PoseSource.Missing);
        }

        var newTrajectory = source == PoseSource.Missing || startsOver || pose.NewTrajectory || _previous is null;
        var (rotation, translation) = (pose.Rotation, pose.Translation);
        if (spec.Relative)
        {
            if (newTrajectory || _previous is not { } previous)
            {
                (rotation, translation) = (Quaternion.Identity, Vector3.Zero);
            }
            else
            {
                var back = Quaternion.Conjugate(Quaternion.Normalize(previous.Rotation));
                rotation = Quaternion.Normalize(back * Quaternion.Normalize(pose.Rotation));
                translation = Vector3.Transform(pose.Translation - previous.Translation, back);
            }
        }
        _previous = source == PoseSource.Missing ? null : pose;

        Write(buffers.PoseInput("rotation"), spec.QuaternionOrder == QuaternionOrder.Wxyz
            ? [rotation.W, rotation.X, rotation.Y, rotation.Z]
            : [rotation.X, rotation.Y, rotation.Z, rotation.W]);
        Write(buffers.PoseInput("translation"), [translation.X, translation.Y, translation.Z]);
        Write(buffers.PoseInput("new_trajectory"), [newTrajectory ? 1f : 0f]);
        if (buffers.PoseInput("intrinsics") is { } k)
        {
            var (fx, fy, cx, cy) = ScaledIntrinsics(pose.Intrinsics ?? _fixed?.Intrinsics ?? Default(frame), frame.Width, frame.Height);
            Write(k, [fx, fy, cx, cy]);
        }
        return new PoseUse(source, gap, newTrajectory);
    }

    /// <summary>A guess when nobody said: focal length = frame width (about 53° horizontal field of view), centred.</summary>
    private static Intrinsics Default(Frame frame) => new(frame.Width, frame.Width, frame.Width / 2f, frame.Height / 2f);

    private (float Fx, float Fy, float Cx, float Cy) ScaledIntrinsics(Intrinsics k, int frameWidth, int frameHeight)
    {
        float sx = (float)image.Width / frameWidth, sy = (float)image.Height / frameHeight;
        if (image.Resize == ResizeMode.Letterbox)
        {
            sx = sy = Math.Min(sx, sy); // one factor, image placed at the top-left
        }
        return (k.Fx * sx, k.Fy * sy, k.Cx * sx, k.Cy * sy);
    }

    private static void Write(float[]? target, ReadOnlySpan<float> values)
    {
        if (target is not null) // the model does not take every pose input
        {
            values.CopyTo(target);
        }
    }
}
