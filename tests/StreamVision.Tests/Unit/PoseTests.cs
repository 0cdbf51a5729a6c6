using System.Numerics;
using System.Text;
using StreamVision.Host.Hosting;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Pose;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

/// <summary>Pose-to-frame matching and what a pose-taking model is fed.</summary>
public sealed class PoseTests
{
    private static CameraPose At(double time, float x = 0) => new(time, Quaternion.Identity, new Vector3(x, 0, 0));

    [Fact]
    public void The_nearest_pose_within_the_tolerance_matches_a_frame()
    {
        var timeline = new PoseTimeline();
        foreach (var t in new[] { 1.0, 1.1, 1.2, 1.3 })
        {
            timeline.Add(At(t, (float)t));
        }
        Assert.True(timeline.TryNearest(1.14, 0.05, out var pose));
        Assert.Equal(1.1, pose.Time);
        Assert.True(timeline.TryNearest(1.16, 0.05, out pose));
        Assert.Equal(1.2, pose.Time);
        Assert.True(timeline.TryNearest(0.97, 0.05, out pose)); // before the first, within tolerance
        Assert.Equal(1.0, pose.Time);
        Assert.False(timeline.TryNearest(1.40, 0.05, out _));   // after the last, too far
        Assert.False(timeline.TryNearest(0.5, 0.05, out _));
    }

    [Fact]
    public void Late_poses_are_put_in_time_order_and_the_timeline_is_bounded()
    {
        var timeline = new PoseTimeline(capacity: 4);
        foreach (var t in new[] { 1.0, 1.3, 1.1, 1.2, 1.4 })
        {
            timeline.Add(At(t));
        }
        Assert.Equal(4, timeline.Count);
        Assert.False(timeline.TryNearest(1.0, 0.01, out _)); // the oldest went
        Assert.True(timeline.TryNearest(1.11, 0.02, out var pose));
        Assert.Equal(1.1, pose.Time);
    }

    private static (ModelBuffers Buffers, PoseInputsSpec Spec, InputTensorSpec Image) SemDepthBuffers()
    {
        var manifest = ManifestLoader.Load(Path.Combine(SharedData.ProjectModels, "reference_semdepth.yaml"));
        var model = OnnxModel.Load(manifest, [], 1);
        return (model.CreateBuffers(), manifest.PoseInputs!, manifest.Input);
    }

    private sealed class Frames : IDisposable
    {
        private readonly FramePool _pool = new(320, 180, PixelFormat.Bgr24, 4);

        public Frame Next(long seq, bool discontinuity = false)
        {
            var frame = _pool.Rent(CancellationToken.None);
            frame.Stamp("cam", seq, TimeSpan.FromSeconds(seq / 10.0), new CaptureStamp(DateTimeOffset.UnixEpoch.AddSeconds(seq / 10.0), CaptureClock.Sender), DateTimeOffset.UtcNow, discontinuity, 0);
            return frame;
        }

        public void Dispose() => _pool.Dispose();
    }

    [Fact]
    public void Absolute_odometry_becomes_the_motion_since_the_previous_frame_in_the_previous_camera_frame()
    {
        var (buffers, spec, image) = SemDepthBuffers();
        var board = new PoseBoard();
        var yaw90 = Quaternion.CreateFromAxisAngle(Vector3.UnitY, MathF.PI / 2);
        board.Add("cam", new CameraPose(0.0, Quaternion.Identity, new Vector3(1, 2, 3)));
        board.Add("cam", new CameraPose(0.1, yaw90, new Vector3(2, 2, 3)));
        var feeder = new PoseFeeder(spec, image, new PoseSettings(board, PoseClock.Pts, TimeSpan.FromMilliseconds(20), new Dictionary<string, FixedPose>()), "cam");
        using var frames = new Frames();

        var first = frames.Next(0, discontinuity: true);
        var use = feeder.Fill(first, buffers, startsOver: true);
        Assert.Equal(new PoseUse(PoseSource.Received, TimeSpan.Zero, NewTrajectory: true), use);
        Assert.Equal([1f, 0, 0, 0], buffers.PoseInput("rotation")!);      // no motion on a new trajectory
        Assert.Equal([0f, 0, 0], buffers.PoseInput("translation")!);
        Assert.Equal([1f], buffers.PoseInput("new_trajectory")!);
        first.Release();

        var second = frames.Next(1);
        use = feeder.Fill(second, buffers, startsOver: false);
        Assert.False(use.NewTrajectory);
        var r = buffers.PoseInput("rotation")!; // w, x, y, z of a 90° turn about y
        Assert.Equal(MathF.Cos(MathF.PI / 4), r[0], 5);
        Assert.Equal(MathF.Sin(MathF.PI / 4), r[2], 5);
        Assert.Equal([1f, 0, 0], buffers.PoseInput("translation")!); // previous camera did not rotate: world step as is
        Assert.Equal([0f], buffers.PoseInput("new_trajectory")!);
        second.Release();
        buffers.Dispose();
    }

    [Fact]
    public void A_missing_pose_feeds_no_motion_and_the_next_pose_starts_a_new_trajectory()
    {
        var (buffers, spec, image) = SemDepthBuffers();
        var board = new PoseBoard();
        board.Add("cam", At(0.0, 0));
        board.Add("cam", At(0.1, 1));
        board.Add("cam", At(0.3, 3)); // nothing near 0.2
        board.Add("cam", At(0.4, 4));
        var feeder = new PoseFeeder(spec, image, new PoseSettings(board, PoseClock.Pts, TimeSpan.FromMilliseconds(30), new Dictionary<string, FixedPose>()), "cam");
        using var frames = new Frames();
        var uses = new List<(PoseUse Use, float Tx)>();
        for (var seq = 0; seq < 5; seq++)
        {
            var frame = frames.Next(seq, discontinuity: seq == 0);
            uses.Add((feeder.Fill(frame, buffers, frame.Discontinuity), buffers.PoseInput("translation")![0]));
            frame.Release();
        }
        Assert.Equal([PoseSource.Received, PoseSource.Received, PoseSource.Missing, PoseSource.Received, PoseSource.Received], uses.Select(u => u.Use.Source));
        Assert.Equal([true, false, true, true, false], uses.Select(u => u.Use.NewTrajectory));
        Assert.Equal([0f, 1f, 0f, 0f, 1f], uses.Select(u => u.Tx));
        buffers.Dispose();
    }

    [Fact]
    public void Fixed_poses_fill_in_and_intrinsics_are_scaled_to_the_model_input()
    {
        var (buffers, spec, image) = SemDepthBuffers();
        var fixedPose = new FixedPose(Quaternion.Identity, new Vector3(5, 0, 0), new Intrinsics(400, 420, 160, 90));
        var feeder = new PoseFeeder(spec, image, new PoseSettings(null, PoseClock.CaptureTime, TimeSpan.FromMilliseconds(30), new Dictionary<string, FixedPose> { ["cam"] = fixedPose }), "cam");
        using var frames = new Frames();
        var frame = frames.Next(0, discontinuity: true);
        Assert.Equal(PoseSource.Fixed, feeder.Fill(frame, buffers, frame.Discontinuity).Source);
        frame.Release();
        // 320x180 frames stretched to the 160x96 input: x by 0.5, y by 96/180.
        var k = buffers.PoseInput("intrinsics")!;
        Assert.Equal(200f, k[0], 3);
        Assert.Equal(420f * 96 / 180, k[1], 3);
        Assert.Equal(80f, k[2], 3);
        Assert.Equal(90f * 96 / 180, k[3], 3);
        buffers.Dispose();
    }

    [Theory]
    [InlineData("{\"time\": 12.5, \"rotation\": [1,0,0,0], \"translation\": [1,2,3]}", 12.5)]
    [InlineData("{\"time\": \"1970-01-01T00:00:12.5Z\", \"rotation\": [2,0,0,0], \"translation\": [1,2,3], \"new_trajectory\": true, \"intrinsics\": [1,2,3,4]}", 12.5)]
    public void Pose_messages_are_read_from_json(string json, double time)
    {
        var pose = PoseMessage.Parse(Encoding.UTF8.GetBytes(json), PoseClock.CaptureTime);
        Assert.Equal(time, pose.Time, 6);
        Assert.Equal(Quaternion.Identity, pose.Rotation); // normalised
        Assert.Equal(new Vector3(1, 2, 3), pose.Translation);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("{\"rotation\": [1,0,0,0], \"translation\": [0,0,0]}", "'time' is missing")]
    [InlineData("{\"time\": 1, \"rotation\": [1,0,0], \"translation\": [0,0,0]}", "'rotation' must be an array of 4 numbers")]
    [InlineData("{\"time\": 1, \"rotation\": [0,0,0,0], \"translation\": [0,0,0]}", "not a rotation")]
    [InlineData("{\"time\": \"yesterday\", \"rotation\": [1,0,0,0], \"translation\": [0,0,0]}", "neither Unix seconds nor")]
    public void Malformed_pose_messages_are_refused_with_a_reason(string json, string reason)
    {
        var e = Assert.Throws<FormatException>(() => PoseMessage.Parse(Encoding.UTF8.GetBytes(json), PoseClock.CaptureTime));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void With_the_pts_clock_a_pose_needs_pts()
    {
        var pose = PoseMessage.Parse("{\"pts\": 3.25, \"rotation\": [1,0,0,0], \"translation\": [0,0,0]}"u8, PoseClock.Pts);
        Assert.Equal(3.25, pose.Time);
        Assert.Throws<FormatException>(() => PoseMessage.Parse("{\"time\": 3.25, \"rotation\": [1,0,0,0], \"translation\": [0,0,0]}"u8, PoseClock.Pts));
    }
}
