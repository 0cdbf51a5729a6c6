using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Ingest;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Pose;
using StreamVision.Pipelines.Segmentation;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>
/// The live service: cameras → stages (latest-only delivery) → MQTT. Everything that can fail on
/// bad input (config, models, broker port, cameras) fails in <see cref="StartAsync"/>, before any
/// frame flows; a camera that cannot be opened is reported and the others run.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<IStageFactory> _stages;
    private readonly ILogger _log;
    private Task? _completion;

    private ServiceHost(ServiceConfig config, Pipeline pipeline, List<IStageFactory> stages, EmbeddedBroker? broker, MqttPublisher publisher, ResultRouter router, ILogger log)
    {
        Config = config;
        Pipeline = pipeline;
        _stages = stages;
        Broker = broker;
        Publisher = publisher;
        Router = router;
        _log = log;
    }

    public ServiceConfig Config { get; }
    public Pipeline Pipeline { get; }
    public EmbeddedBroker? Broker { get; }
    public MqttPublisher Publisher { get; }
    public ResultRouter Router { get; }

    /// <summary>Camera and stage metrics on meter <see cref="ServiceMetrics.MeterName"/>.</summary>
    public ServiceMetrics Metrics { get; private set; } = null!;

    /// <summary>Cameras that could not be opened at start, and why.</summary>
    public Dictionary<string, string> StartFailures { get; } = new();

    /// <summary>Completes when every source has ended and every result has been handed to MQTT.</summary>
    public Task Completion => _completion ?? Task.CompletedTask;

    public static async Task<ServiceHost> StartAsync(ServiceConfig config, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var log = loggers.CreateLogger("streamvision");
        EnsureThreadPoolHeadroom();
        var policy = DeliveryPolicy.LatestOnly(config.Live.Queue);
        var poses = config.Stages.Semdepth is { Enabled: true, Pose.Mqtt: true } ? new PoseBoard() : null;
        var stages = StageBuilder.Build(config, log, poses);
        var sources = new List<FrameSource>();
        var failures = new Dictionary<string, string>();
        EmbeddedBroker? broker = null;
        try
        {
            foreach (var camera in config.Cameras)
            {
                var source = new FrameSource(ConfigLoader.SourceOptionsFor(config, camera, Pipeline.PoolCapacityFor(policy, stages.Count)));
                try
                {
                    source.Open();
                    if (source.Format is { } format)
                    {
                        log.LogInformation("camera {Camera}: {Url} {Width}x{Height} @ {Fps:0.##} fps", camera.Id, source.Url.Display, format.Width, format.Height, format.FramesPerSecond);
                    }
                    else
                    {
                        log.LogInformation("camera {Camera}: {Url} (live; connects and reconnects by itself)", camera.Id, source.Url.Display);
                    }
                    sources.Add(source);
                }
                catch (SourceException e)
                {
                    source.Dispose();
                    failures[camera.Id] = e.Message;
                    log.LogError("camera {Camera} not started: {Message}", camera.Id, e.Message);
                }
            }
            if (sources.Count == 0)
            {
                throw new SourceException($"no camera could be opened: {string.Join(" ", failures.Values)}");
            }
            var topics = new MqttTopics(config.Mqtt.Prefix);
            if (config.Mqtt.Embedded.Enabled)
            {
                broker = await EmbeddedBroker.StartAsync(config.Mqtt.Embedded.Bind, config.Mqtt.Port).ConfigureAwait(false);
                log.LogInformation("embedded MQTT broker listening on {Address}:{Port}", broker.Address, broker.Port);
            }
            var endpoint = new MqttEndpoint(config.Mqtt.Embedded.Enabled ? "127.0.0.1" : config.Mqtt.Host, config.Mqtt.Port, config.Mqtt.ClientId, config.Mqtt.Username, config.Mqtt.Password);
            var publisher = new MqttPublisher(endpoint, topics, loggers.CreateLogger("mqtt"), config.Mqtt.Queue);
            if (poses is not null)
            {
                ListenForPoses(publisher, topics, poses, config, log);
            }
            await publisher.StartAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            foreach (var source in sources)
            {
                source.StatusChanged += status => AnnounceStatus(status, publisher, topics, log);
            }
            var pipeline = new Pipeline(sources, stages, policy, log);
            var router = new ResultRouter([new MqttResultSink(publisher, topics, new ResultEncoding(config.Stages))], log);
            var host = new ServiceHost(config, pipeline, stages, broker, publisher, router, log);
            foreach (var (camera, why) in failures)
            {
                host.StartFailures[camera] = why;
            }
            host.Start();
            return host;
        }
        catch
        {
            sources.ForEach(s => s.Dispose());
            stages.ForEach(s => s.Dispose());
            if (broker is not null)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>
    /// The thread pool starts with one thread per core and adds more only about twice a second. On
    /// a 2-core edge box a couple of briefly blocking calls in libraries (broker, clients, logging)
    /// then stall every async consumer — the result router among them — for half a second, which
    /// shows as a burst of stale frames. A modest floor keeps latency flat; threads beyond demand
    /// stay parked and cost nothing.
    /// </summary>
    private static void EnsureThreadPoolHeadroom()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        var floor = Math.Max(16, Environment.ProcessorCount * 4);
        if (workers < floor)
        {
            ThreadPool.SetMinThreads(floor, Math.Max(io, floor));
        }
    }

    /// <summary>Feeds poses published on &lt;prefix&gt;/&lt;camera&gt;/pose into <paramref name="poses"/>. A bad
    /// message is logged (a warning the first time per camera) and dropped; nothing else changes.</summary>
    private static void ListenForPoses(MqttPublisher publisher, MqttTopics topics, PoseBoard poses, ServiceConfig config, ILogger log)
    {
        var cameras = config.Cameras.Select(c => c.Id).ToHashSet();
        var warned = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        var clock = config.Stages.Semdepth.Pose.Clock;
        publisher.Subscribe(topics.AnyPose, message =>
        {
            var camera = topics.CameraOf(message.Topic);
            if (camera is null || !cameras.Contains(camera))
            {
                return;
            }
            try
            {
                poses.Add(camera, PoseMessage.Parse(message.Payload, clock));
            }
            catch (FormatException e)
            {
                var level = warned.TryAdd(camera, true) ? LogLevel.Warning : LogLevel.Debug;
                log.Log(level, "pose for camera {Camera} on {Topic} ignored: {Message}. See docs/MQTT.md for the pose message.", camera, message.Topic, e.Message);
            }
        });
    }

    private static void AnnounceStatus(SourceStatus status, MqttPublisher publisher, MqttTopics topics, ILogger log)
    {
        var level = status.State is SourceState.Reconnecting or SourceState.Failed ? LogLevel.Warning : LogLevel.Information;
        log.Log(level, "camera {Camera}: {State}{Message}", status.CameraId, status.State.ToString().ToLowerInvariant(),
            status.Message is null ? "" : $" ({status.Message}{(status.RetryIn is { } r ? $"; retry {status.Attempt} in {r.TotalSeconds:0.0} s" : "")})");
        publisher.TryPublish(new OutgoingMessage(topics.CameraStatus(status.CameraId), CameraStatusEncoder.Json(status), "application/json", Retain: true, Qos: 1));
    }

    private void Start()
    {
        Metrics = new ServiceMetrics(Pipeline, _stages);
        var pipelineRun = Pipeline.RunAsync(_stop.Token);
        var routerRun = Router.RunAsync(Pipeline);
        _completion = Task.WhenAll(pipelineRun, routerRun);
    }

    /// <summary>Stops the sources; queued frames are finished and published.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.LogError(e, "pipeline ended with an error");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Publisher.DisposeAsync().ConfigureAwait(false);
        if (Broker is not null)
        {
            await Broker.DisposeAsync().ConfigureAwait(false);
        }
        Metrics.Dispose();
        Pipeline.Dispose();
        foreach (var source in Pipeline.Sources)
        {
            source.Dispose();
        }
        _stages.ForEach(s => s.Dispose());
        _stop.Dispose();
    }
}
