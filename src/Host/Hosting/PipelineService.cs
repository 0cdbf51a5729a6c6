using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Pipelines.Graph;

namespace StreamVision.Host.Hosting;

/// <summary>Frames flowing: the pipeline (cameras → stages, latest-only), the result router (→ MQTT
/// and the VideoLLM's facts), metrics and the periodic stats message. Stopping stops the sources,
/// finishes queued frames and hands every result to the MQTT client.</summary>
public sealed class PipelineService(ServiceConfig config, Pipeline pipeline, ResultRouter router, FrameSnapshots snapshots, ServiceMetrics metrics,
    StatsPublisher stats, ILoggerFactory loggers) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _log = loggers.CreateLogger("streamvision");
    private Task? _completion;

    /// <summary>Completes when every source has ended and every result has been handed to MQTT.</summary>
    public Task Completion => _completion ?? Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        pipeline.FrameTap = snapshots.Offer;
        router.Observe = metrics.Record;
        var pipelineRun = pipeline.RunAsync(_stop.Token);
        var routerRun = router.RunAsync(pipeline);
        if (config.Mqtt.StatsIntervalSeconds > 0)
        {
            stats.Start(_stop.Token);
        }
        _completion = Task.WhenAll(pipelineRun, routerRun);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.LogError(e, "pipeline ended with an error");
        }
        await stats.StopAsync().ConfigureAwait(false);
    }

    public void Dispose() => _stop.Dispose();
}
