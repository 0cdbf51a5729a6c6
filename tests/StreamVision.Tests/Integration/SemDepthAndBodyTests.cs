using System.Globalization;
using System.Text.Json;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Pipelines.Pose;
using StreamVision.ModelGenerator;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>
/// The joint segmentation + depth stage with pose inputs and the body stage, end to end: a real
/// service, a real MQTT broker over TCP, a "drone" publishing odometry on &lt;prefix&gt;/&lt;camera&gt;/pose.
/// The generated models' depth is 2 m + the x motion they were fed + frames since the last new
/// trajectory, so every published minimum is known exactly.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SemDepthAndBodyTests
{
    private sealed record Joint(long Seq, double Min, string Source, bool NewTrajectory, double GapMs, double Red);

    private static List<Joint> JointResults(MqttCapture capture, string camera) => capture.Messages
        .Where(m => m.Topic == $"s/{camera}/semdepth")
        .Select(m => JsonDocument.Parse(m.Payload).RootElement)
        .Select(r => new Joint(
            r.GetProperty("seq").GetInt64(),
            r.GetProperty("depth").GetProperty("min").GetDouble(),
            r.GetProperty("pose").GetProperty("source").GetString()!,
            r.GetProperty("pose").GetProperty("new_trajectory").GetBoolean(),
            r.GetProperty("pose").GetProperty("gap_ms").GetDouble(),
            r.GetProperty("segmentation").GetProperty("classes")[1].GetProperty("fraction").GetDouble()))
        .OrderBy(j => j.Seq)
        .ToList();

    [Fact]
    public async Task Poses_from_mqtt_and_config_reach_the_model_and_body_parameters_are_published()
    {
        var port = FreePort.Next();
        var config = new ServiceConfig
        {
            Cameras =
            {
                new CameraConfig { Id = "drone", Url = "synthetic://pattern?width=320&height=180&fps=10", Intrinsics = [300, 300, 160, 90] },
                new CameraConfig { Id = "mast", Url = "synthetic://pattern?width=320&height=180&fps=10", Pose = new FixedPoseConfig { Translation = [1, 0, 0] } },
                new CameraConfig { Id = "blind", Url = "synthetic://pattern?width=320&height=180&fps=10" },
            },
            Stages =
            {
                Segmentation = { Enabled = false },
                SemDepth = { Enabled = true, PublishMask = false, Pose = { Clock = PoseClock.Pts, ToleranceMs = 30 } },
                Body = { Enabled = true },
            },
            Mqtt = { Port = port, Prefix = "s" },
            Http = { Enabled = false },
            Live = { Queue = 4 },
            SummaryIntervalSeconds = 0,
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var capture = await MqttCapture.ConnectAsync(port, "s/#");

        // The drone's odometry: one pose per frame time for 30 s, moving 0.5 m along x per frame.
        for (var k = 0; k < 300; k++)
        {
            var pts = (k / 10.0).ToString("0.0##", CultureInfo.InvariantCulture);
            var x = (0.5 * k).ToString(CultureInfo.InvariantCulture);
            await capture.PublishAsync("s/drone/pose", $"{{\"pts\": {pts}, \"rotation\": [1, 0, 0, 0], \"translation\": [{x}, 0, 0]}}");
        }
        await capture.WaitForAsync(_ => JointResults(capture, "drone").Count(j => j.Source == "received") >= 12, TimeSpan.FromSeconds(30));
        await capture.PublishAsync("s/drone/pose", "{\"pts\": \"soon\"}"); // malformed: logged and dropped
        var afterGarbage = JointResults(capture, "drone").Max(j => j.Seq);
        await capture.WaitForAsync(_ => JointResults(capture, "drone").Count(j => j.Seq > afterGarbage) >= 5, TimeSpan.FromSeconds(20));

        // Drone: from the first frame with a received pose, depth min = 2 + motion fed + frames counted.
        var drone = JointResults(capture, "drone");
        var start = drone.FindIndex(j => j.Source == "received");
        Assert.True(start >= 0, "no frame matched a received pose");
        Assert.True(drone[start].NewTrajectory, "the first frame with a pose after missing ones starts a new trajectory");
        var count = 0;
        for (var i = start; i < drone.Count; i++)
        {
            var j = drone[i];
            Assert.Equal("received", j.Source);
            Assert.InRange(Math.Abs(j.GapMs), 0, 1);
            if (i == start)
            {
                Assert.Equal(ReferenceSemDepthModel.Near, j.Min, 4);
                continue;
            }
            count++;
            Assert.False(j.NewTrajectory);
            var motion = 0.5 * (j.Seq - drone[i - 1].Seq);
            Assert.Equal(ReferenceSemDepthModel.Near + motion + count, j.Min, 4);
        }
        Assert.True(drone.Count - start >= 15);
        Assert.All(drone, j => Assert.InRange(j.Red, 0.02, 0.2)); // the segmentation head runs too (red disc)

        // Mast: the fixed pose every frame; it does not move, so only the count grows.
        var mast = JointResults(capture, "mast");
        Assert.All(mast, j => Assert.Equal("fixed", j.Source));
        Assert.All(mast.Skip(1).Zip(mast), p => Assert.Equal(p.Second.Min + 1, p.First.Min, 4));

        // Blind: no pose at all: no motion, a new trajectory every frame (documented), so the count never grows.
        var blind = JointResults(capture, "blind");
        Assert.NotEmpty(blind);
        Assert.All(blind, j => Assert.Equal(("missing", true, (double)ReferenceSemDepthModel.Near), (j.Source, j.NewTrajectory, Math.Round(j.Min, 4))));

        // Body: one person above 0.5, identity joint rotations, known shape, z growing 1 m per frame.
        var bodies = capture.Messages.Where(m => m.Topic == "s/blind/body").Select(m => JsonDocument.Parse(m.Payload).RootElement)
            .OrderBy(r => r.GetProperty("seq").GetInt64()).ToList();
        Assert.True(bodies.Count >= 5);
        var zs = new List<double>();
        foreach (var body in bodies)
        {
            var person = Assert.Single(body.GetProperty("persons").EnumerateArray());
            Assert.Equal(0, person.GetProperty("slot").GetInt32());
            Assert.Equal(0.9, person.GetProperty("score").GetDouble(), 4);
            var rotmats = person.GetProperty("rotmats").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(ReferenceBodyModel.Joints * 9, rotmats.Length);
            Assert.All(Enumerable.Range(0, rotmats.Length), i => Assert.Equal(i % 9 is 0 or 4 or 8 ? 1.0 : 0.0, rotmats[i]));
            Assert.Equal(Enumerable.Range(0, 10).Select(k => Math.Round(ReferenceBodyModel.BetaAt(0, k), 6)), person.GetProperty("betas").EnumerateArray().Select(v => v.GetDouble()));
            var t = person.GetProperty("translation").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal((0.0, 0.0), (t[0], t[1]));
            zs.Add(t[2]);
            Assert.Equal([0.0, 0, 0, 1, 0, 0, 0], body.GetProperty("camera_pose").EnumerateArray().Select(v => v.GetDouble()));
        }
        Assert.All(zs.Skip(1).Zip(zs), p => Assert.Equal(p.Second + 1, p.First, 4));
    }
}
