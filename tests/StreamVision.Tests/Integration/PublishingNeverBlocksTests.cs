using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class PublishingNeverBlocksTests
{
    [Fact]
    public async Task With_no_broker_listening_the_pipeline_still_processes_every_frame_and_counts_what_it_could_not_send()
    {
        var deadPort = FreePort.Next(); // nobody listens here
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "cam", Url = "synthetic://pattern?width=320&height=180&fps=30", MaxFrames = 120 } },
            Mqtt = { Port = deadPort, Queue = 16, Embedded = { Enabled = false }, StatsIntervalSeconds = 0 },
            Http = { Enabled = false },
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        await host.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        var stage = host.Pipeline.StageStats.Single();
        Assert.False(host.Publisher.IsConnected);
        // Every processed result reached the MQTT sink and none waited on the missing broker (a
        // blocked sink would have filled the results queue and dropped results).
        Assert.Equal(stage.Processed, host.Router.Written("cam"));
        Assert.Equal(0, host.Pipeline.ResultsDropped);
        Assert.True(stage.Processed >= 30, $"only {stage.Processed} of 120 frames processed");
        Assert.True(host.Publisher.QueueDepth <= 16);
        // Two messages (JSON + mask) per result, two camera status changes (streaming, ended) and the
        // retained state of each setting (the stage, max_fps), at most 16 held: the rest were dropped.
        var settings = host.Pipeline.StageNames.Count + 1;
        Assert.Equal(2 * stage.Processed + 2 + settings - host.Publisher.QueueDepth, host.Publisher.Stats.Dropped);
    }
}
