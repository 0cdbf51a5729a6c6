using Microsoft.Extensions.Diagnostics.HealthChecks;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Web;

/// <summary>Readiness: the service's MQTT client is connected to its broker.</summary>
public sealed class MqttConnectedCheck(MqttPublisher publisher) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(publisher.IsConnected
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"MQTT broker {publisher.Endpoint} not connected"));
}

/// <summary>Readiness: at least one camera is streaming.</summary>
public sealed class CameraStreamingCheck(Pipeline pipeline) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(pipeline.Sources.Any(s => s.Stats.State == SourceState.Streaming)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("no camera is streaming"));
}
