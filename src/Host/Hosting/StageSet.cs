using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Pipelines.Events;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Pose;
using StreamVision.Pipelines.VideoLlm;

namespace StreamVision.Host.Hosting;

/// <summary>The stages every camera runs, built (models loaded and checked against their
/// manifests) when the service is composed, and what they share: poses received over MQTT and the
/// perception facts the VideoLLM verbalizes. Disposed once, by the host's container.</summary>
public sealed class StageSet : IDisposable
{
    public StageSet(ServiceConfig config, ILoggerFactory loggers)
    {
        Poses = config.Stages.SemDepth is { Enabled: true, Pose.Mqtt: true } ? new PoseBoard() : null;
        Facts = new PerceptionFacts(tracks: config.Stages.Events.Runs(config.Stages));
        foreach (var camera in config.Cameras)
        {
            Zones[camera.Id] = CameraZonesConfig.ToZones(camera);
        }
        All = StageBuilder.Build(config, loggers.CreateLogger("streamvision"), Poses, Facts.Of, camera => Zones.GetValueOrDefault(camera, CameraZones.None));
        VideoLlm = All.OfType<VideoLlmStageFactory>().FirstOrDefault();
    }

    public IReadOnlyList<IStageFactory> All { get; }

    /// <summary>Poses from MQTT, when a stage takes them (stages.semdepth.pose.mqtt).</summary>
    public PoseBoard? Poses { get; }

    /// <summary>What perception says about each camera now, for the VideoLLM's verbalizer.</summary>
    public PerceptionFacts Facts { get; }

    /// <summary>Each camera's zones and lines, for the events stage; a camera added while running puts
    /// its own here before it starts.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, CameraZones> Zones { get; } = new();

    /// <summary>The VideoLLM stage, when enabled (questions, memory stats).</summary>
    public VideoLlmStageFactory? VideoLlm { get; }

    public void Dispose()
    {
        foreach (var stage in All)
        {
            stage.Dispose();
        }
    }
}
