using System.Globalization;
using System.Text;

namespace StreamVision.Host.Hosting;

/// <summary>One line per interval while the service runs: per camera the input rate, each stage's
/// output rate, mean service time and drops, the age of frames as they are published, and the MQTT
/// queue. Rates are deltas over the interval, not averages since start, so a stall shows at once.</summary>
public sealed class LiveSummary(Pipelines.Graph.Pipeline pipeline, Results.ResultRouter router, StreamVision.Publish.Mqtt.MqttPublisher publisher, TextWriter output)
{
    private readonly RateMeter _rates = new();

    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                output.WriteLine(Line(interval));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public string Line(TimeSpan interval)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.Append(DateTime.Now.ToString("HH:mm:ss", inv));
        foreach (var source in pipeline.Sources)
        {
            var decoded = source.Stats.Decoded;
            s.Append(inv, $" | {source.CameraId}: in {_rates.PerSecond($"in/{source.CameraId}", decoded, interval):0.0} fps");
            if (source.Stats.State != Ingest.Sources.SourceState.Streaming)
            {
                s.Append(inv, $" [{source.Stats.State.ToString().ToUpperInvariant()}]");
            }
            foreach (var stage in pipeline.StageStats.Where(st => st.CameraId == source.CameraId))
            {
                var mean = stage.Processed == 0 ? 0 : stage.Busy.TotalMilliseconds / stage.Processed;
                s.Append(inv, $", {stage.Stage} out {_rates.PerSecond($"{stage.Stage}/{source.CameraId}", stage.Processed, interval):0.0} fps {mean:0.0} ms/frame drops {stage.Dropped}");
            }
            var age = router.AgeOf(source.CameraId);
            s.Append(inv, $", age p50 {age.PercentileMs(50):0} ms max {age.MaxMs():0} ms");
        }
        var mqtt = publisher.Stats;
        s.Append(inv, $" | mqtt {(publisher.IsConnected ? "up" : "DOWN")} sent {mqtt.Published} queued {publisher.QueueDepth} dropped {mqtt.Dropped}");
        return s.ToString();
    }
}
