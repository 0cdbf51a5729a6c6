using System.Text.Json;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Depth;
using StreamVision.Pipelines.Models;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>Recurrent state pairs (manifest <c>state</c>) with the generated frame-counter model:
/// the depth map's minimum is 1 + frames since the state was reset.</summary>
[Trait("Category", "Integration")]
public sealed class RecurrentStateTests
{
    private static DepthStageFactory CounterStage()
    {
        var manifest = ManifestLoader.Load(Path.Combine(SharedData.ProjectModels, "reference_depth_counter.yaml"));
        return new DepthStageFactory(OnnxModel.Load(manifest, [], 1));
    }

    [Fact]
    public async Task State_is_carried_from_frame_to_frame_and_reset_when_a_looping_file_starts_over()
    {
        using var factory = CounterStage();
        using var stage = factory.Create("loop");
        var mins = new List<(long Seq, float Min)>();
        using var source = new FrameSource(new SourceOptions("loop", SharedData.CarClip, Realtime: false, Loop: true, MaxFrames: 400));
        source.Open();
        await source.RunAsync(frame =>
        {
            using (var result = (DepthResult)stage.Process(frame)!)
            {
                mins.Add((frame.Sequence, result.Min));
            }
            frame.Release();
            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(400, mins.Count);
        Assert.All(mins, m => Assert.Equal(1 + m.Seq % 377, m.Min));
    }

    [Fact]
    public void Each_camera_has_its_own_state()
    {
        using var factory = CounterStage();
        using var a = factory.Create("a");
        using var b = factory.Create("b");
        using var pool = new Ingest.Frames.FramePool(64, 48, Ingest.Frames.PixelFormat.Bgr24, 2);
        var frame = pool.Rent(CancellationToken.None);
        float Min(Pipelines.Graph.IFrameStage stage)
        {
            using var result = (DepthResult)stage.Process(frame)!;
            return result.Min;
        }
        Assert.Equal([1f, 2f, 3f], [Min(a), Min(a), Min(a)]);
        Assert.Equal(1f, Min(b));
        Assert.Equal(4f, Min(a));
        frame.Release();
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task State_starts_over_when_an_rtsp_camera_reconnects()
    {
        using var server = RtspTestServer.Start(SharedData.PersonClip, "/cam");
        var port = FreePort.Next();
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "cam", Url = server.Url("/cam"), Reconnect = new ReconnectConfig { InitialDelaySeconds = 0.3, MaxDelaySeconds = 1 } } },
            Stages = { Segmentation = { Enabled = false }, Depth = { Enabled = true, Model = "reference_depth_counter", PublishImage = false } },
            Mqtt = { Port = port, Prefix = "s" },
            Http = { Enabled = false },
            Live = { Queue = 4 },
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await using var capture = await MqttCapture.ConnectAsync(port, "s/#");
        List<(DateTimeOffset At, double Min)> Mins() => capture.Messages.Where(m => m.Topic == "s/cam/depth")
            .Select(m => (m.At, JsonDocument.Parse(m.Payload).RootElement.GetProperty("min").GetDouble())).ToList();
        await capture.WaitForAsync(_ => Mins().Count > 15, TimeSpan.FromSeconds(20));
        var before = Mins();
        Assert.True(before.Zip(before.Skip(1)).All(p => p.Second.Min > p.First.Min), "the counter must keep rising while the stream runs");

        server.StopServer();
        await Task.Delay(1000);
        var restarted = DateTimeOffset.UtcNow;
        server.StartServer();
        await capture.WaitForAsync(_ => Mins().Count(m => m.At > restarted) > 3, TimeSpan.FromSeconds(20));

        var after = Mins().Where(m => m.At > restarted).ToList();
        Assert.Equal(1.0, after[0].Min);
        Assert.True(after.Zip(after.Skip(1)).All(p => p.Second.Min > p.First.Min));
    }
}
