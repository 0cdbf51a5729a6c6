using System.Diagnostics.Metrics;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class MetricsTests
{
    [Fact]
    public async Task Camera_state_and_reconnects_are_exposed_as_metrics()
    {
        var port = FreePort.Next();
        var config = new ServiceConfig
        {
            Cameras =
            {
                new CameraConfig { Id = "down", Url = $"rtsp://127.0.0.1:{FreePort.Next()}/cam", Reconnect = { InitialDelaySeconds = 0.2, MaxDelaySeconds = 0.5 } },
                new CameraConfig { Id = "up", Url = "synthetic://p?fps=20" },
            },
            Stages = { Segmentation = { Providers = [Pipelines.Models.ExecutionProvider.Cuda, Pipelines.Models.ExecutionProvider.Cpu] } },
            Mqtt = { Port = port },
            Http = { Enabled = false },
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && (host.Pipeline.Source("down")!.Stats.Reconnects < 2 || host.Pipeline.StageStats.Single(s => s.CameraId == "up").Processed < 20))
        {
            await Task.Delay(100);
        }

        var values = new List<(string Instrument, long Value, Dictionary<string, string> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ServiceMetrics.MeterName && ReferenceEquals(instrument.Meter, host.Metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? _)
            => values.Add((instrument.Name, Convert.ToInt64(value), tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString() ?? "")));
        // The config asks for CUDA first; this machine has none, so the model must run on the CPU.
        listener.SetMeasurementEventCallback<int>(Record);
        listener.SetMeasurementEventCallback<long>(Record);
        listener.Start();
        listener.RecordObservableInstruments();

        long State(string camera, string state) => values.Single(v => v.Instrument == "camera.state" && v.Tags["camera"] == camera && v.Tags["state"] == state).Value;
        Assert.Equal(1, State("up", "streaming"));
        Assert.Equal(0, State("up", "reconnecting"));
        Assert.Equal(1, State("down", "reconnecting"));
        long Value(string instrument, string camera) => values.Single(v => v.Instrument == instrument && v.Tags["camera"] == camera).Value;
        Assert.InRange(Value("camera.reconnects", "down"), 2, 100);
        Assert.InRange(Value("camera.frames", "up"), 20, 1000);
        Assert.InRange(Value("stage.frames", "up"), 20, 1000);
        var provider = values.Single(v => v.Instrument == "stage.provider");
        Assert.Equal(("segmentation", "reference_color_segmentation", "cpu"), (provider.Tags["stage"], provider.Tags["model"], provider.Tags["provider"]));
    }
}
