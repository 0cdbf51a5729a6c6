using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>
/// The live service's parts as services of the .NET Generic Host. The hosted services start in the
/// order they are added here and stop in reverse (the host's rule), which is the order the service
/// needs:
/// <list type="number">
/// <item>cameras open (a camera that cannot be opened is reported; none at all fails the start);</item>
/// <item>the embedded broker listens;</item>
/// <item>MQTT subscriptions (commands, questions, poses) are registered and setting states queued;</item>
/// <item>Home Assistant discovery configs are queued and its birth topic subscribed (when enabled);</item>
/// <item>the MQTT client connects;</item>
/// <item>frames flow (pipeline, result router, stats);</item>
/// <item>HTTP listens (added by <see cref="Web.HttpSetup"/>, last), so /readyz never sees a half-started service.</item>
/// </list>
/// Stopping: HTTP stops, sources stop and queued results are handed over, the client flushes and
/// leaves, the broker stops. The container then disposes every part once (sources, stages, models).
/// </summary>
public static class ServiceComposition
{
    public static IServiceCollection AddStreamVision(this IServiceCollection services, ServiceConfig config)
    {
        services.AddSingleton(config);
        services.AddSingleton(_ => MqttSetup.From(config));
        services.AddSingleton<StageSet>();
        services.AddSingleton(sp => new Pipeline([], sp.GetRequiredService<StageSet>().All, DeliveryPolicy.LatestOnly(config.Live.Queue), Log(sp)));
        services.AddSingleton(sp =>
        {
            var mqtt = sp.GetRequiredService<MqttSetup>();
            return new MqttPublisher(mqtt.Endpoint, mqtt.Topics, sp.GetRequiredService<ILoggerFactory>().CreateLogger("mqtt"), config.Mqtt.Queue, (long)config.Mqtt.QueueMb << 20);
        });
        services.AddSingleton<LatestResults>();
        services.AddSingleton<FrameSnapshots>();
        services.AddSingleton<EventArchive>();
        services.AddSingleton(sp => new EventStates(sp.GetRequiredService<MqttPublisher>(), sp.GetRequiredService<MqttSetup>(), EventStates.LabelsOf(config)));
        services.AddSingleton(sp => new ResultRouter(Sinks(sp, config), Log(sp)));
        services.AddSingleton<CommandHandler>();
        services.AddSingleton(sp => new StatsPublisher(sp.GetRequiredService<Pipeline>(), sp.GetRequiredService<ResultRouter>(), sp.GetRequiredService<MqttPublisher>(),
            sp.GetRequiredService<MqttSetup>(), sp.GetRequiredService<StageSet>(), TimeSpan.FromSeconds(Math.Max(config.Mqtt.StatsIntervalSeconds, 0.001))));
        services.AddSingleton(sp => Metrics(sp));

        // Started in this order, stopped in reverse.
        services.AddHostedSingleton<LiveCameras>();
        services.AddHostedSingleton<EmbeddedBrokerService>();
        services.AddHostedSingleton<ControlService>();
        services.AddHostedSingleton<HomeAssistantDiscovery>();
        services.AddHostedSingleton<Clips.EventClips>();
        services.AddHostedSingleton<MqttConnectionService>();
        services.AddHostedSingleton<PipelineService>();
        return services;
    }

    /// <summary>A service other parts can inject, which the host also starts and stops (logged at
    /// debug level under <see cref="LifecycleCategory"/>, so the order can be seen).</summary>
    private static void AddHostedSingleton<T>(this IServiceCollection services) where T : class, IHostedService
    {
        services.AddSingleton<T>();
        // AddSingleton, not AddHostedService: that one skips a second registration of the same wrapper type.
        services.AddSingleton<IHostedService>(sp => new LoggedHostedService(sp.GetRequiredService<T>(), typeof(T).Name, sp.GetRequiredService<ILoggerFactory>().CreateLogger(LifecycleCategory)));
    }

    public const string LifecycleCategory = "StreamVision.Lifecycle";

    private sealed class LoggedHostedService(IHostedService inner, string name, ILogger log) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            log.LogDebug("starting {Service}", name);
            await inner.StartAsync(cancellationToken).ConfigureAwait(false);
            log.LogDebug("started {Service}", name);
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            log.LogDebug("stopping {Service}", name);
            await inner.StopAsync(cancellationToken).ConfigureAwait(false);
            log.LogDebug("stopped {Service}", name);
        }
    }

    private static ILogger Log(IServiceProvider sp) => sp.GetRequiredService<ILoggerFactory>().CreateLogger("streamvision");

    private static IResultSink[] Sinks(IServiceProvider sp, ServiceConfig config)
    {
        var mqtt = sp.GetRequiredService<MqttSetup>();
        var toMqtt = new MqttResultSink(sp.GetRequiredService<MqttPublisher>(), mqtt.Topics, new ResultEncoding(config.Stages), mqtt.Qos, sp.GetRequiredService<LatestResults>());
        var sinks = new List<IResultSink> { toMqtt };
        if (sp.GetRequiredService<StageSet>().All.Any(s => s.Name == Pipelines.Events.EventsStageFactory.StageName))
        {
            sinks.Add(sp.GetRequiredService<EventArchive>());
            sinks.Add(sp.GetRequiredService<EventStates>());
            sinks.Add(sp.GetRequiredService<Clips.EventClips>());
        }
        // Perception facts only matter to the VideoLLM's verbalizer: without it, no per-result work for them.
        if (config.Stages.VideoLlm.Enabled)
        {
            sinks.Add(sp.GetRequiredService<StageSet>().Facts);
        }
        return sinks.ToArray();
    }

    private static ServiceMetrics Metrics(IServiceProvider sp)
    {
        var pipeline = sp.GetRequiredService<Pipeline>();
        var stages = sp.GetRequiredService<StageSet>();
        return new ServiceMetrics(pipeline, stages.All, sp.GetRequiredService<MqttPublisher>(),
            () => stages.VideoLlm is { } videollm
                ? pipeline.Sources.SelectMany(s => videollm.MemoryOf(s.CameraId) is { } memory
                    ? memory.Accounts.Concat(memory.Offloaded.Select(t => ($"offload_{t.Tier}", t.Bytes))).Select(a => (s.CameraId, a.Item1, a.Item2))
                    : [])
                : [],
            () => stages.VideoLlm is { } v ? [("weights", v.Model.WeightBytes), ("decoder_run_outputs", v.Model.Decoder.LargestRunOutputBytes)] : []);
    }
}
