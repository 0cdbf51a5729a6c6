using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>What the service listens to on MQTT — setting commands, questions for the VideoLLM,
/// camera poses — subscribed before the client connects (subscriptions are renewed on every
/// reconnect), and the retained state of every setting queued for the first connection.</summary>
public sealed class ControlService(ServiceConfig config, MqttPublisher publisher, MqttSetup mqtt, StageSet stages, LiveCameras cameras,
    CommandHandler commands, ILoggerFactory loggers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (stages.Poses is { } poses)
        {
            PoseListener.Subscribe(publisher, mqtt.Topics, poses, cameras.Has, config.Stages.SemDepth.Pose.Clock, loggers.CreateLogger("streamvision"));
        }
        commands.Subscribe();
        if (stages.VideoLlm is { } videollm)
        {
            new QuestionHandler(publisher, mqtt, cameras, videollm, loggers.CreateLogger("videollm")).Subscribe();
        }
        commands.PublishAllStates();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
