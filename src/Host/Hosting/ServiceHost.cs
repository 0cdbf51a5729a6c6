using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Ingest;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Pose;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>
/// The live service: cameras → stages (latest-only delivery) → MQTT. Everything that can fail on
/// bad input (config, models, broker port, cameras) fails in <see cref="StartAsync"/>, before any
/// frame flows; a camera that cannot be opened is reported and the others run. Cameras can be
/// added and removed while it runs (<see cref="AddCameraAsync"/>, <see cref="RemoveCameraAsync"/>).
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<IStageFactory> _stages;
    private readonly ILogger _log;
    private readonly Dictionary<string, CameraConfig> _cameras;
    private readonly SemaphoreSlim _cameraChanges = new(1, 1);
    private Task? _completion;
    private StatsPublisher? _stats;
    private HttpApi? _http;

    private ServiceHost(ServiceConfig config, MqttSetup mqtt, Pipeline pipeline, List<IStageFactory> stages, EmbeddedBroker? broker, MqttPublisher publisher, ResultRouter router, LatestResults latest, ILogger log)
    {
        Latest = latest;
        Config = config;
        Mqtt = mqtt;
        Pipeline = pipeline;
        _stages = stages;
        Broker = broker;
        Publisher = publisher;
        Router = router;
        _log = log;
        _cameras = config.Cameras.ToDictionary(c => c.Id);
    }

    public ServiceConfig Config { get; }
    public MqttSetup Mqtt { get; }
    public Pipeline Pipeline { get; }
    public EmbeddedBroker? Broker { get; }
    public MqttPublisher Publisher { get; }
    public ResultRouter Router { get; }

    /// <summary>The last encoded result of every camera and stage.</summary>
    public LatestResults Latest { get; }

    /// <summary>The latest picture of each camera, for viewers.</summary>
    public FrameSnapshots Snapshots { get; } = new();

    /// <summary>The stages every camera runs (models, providers).</summary>
    public IReadOnlyList<IStageFactory> Stages => _stages;

    /// <summary>Applies settings (MQTT commands and REST share it).</summary>
    public CommandHandler Commands { get; private set; } = null!;

    /// <summary>The VideoLLM stage, when enabled (questions, memory stats).</summary>
    public Pipelines.VideoLlm.VideoLlmStageFactory? VideoLlm { get; private set; }

    /// <summary>The HTTP API, when enabled.</summary>
    public HttpApi? Http => _http;

    /// <summary>Camera and stage metrics on meter <see cref="ServiceMetrics.MeterName"/>.</summary>
    public ServiceMetrics Metrics { get; private set; } = null!;

    /// <summary>Cameras that could not be opened at start, and why.</summary>
    public Dictionary<string, string> StartFailures { get; } = new();

    /// <summary>The configuration of each camera now running.</summary>
    public IReadOnlyList<CameraConfig> Cameras
    {
        get
        {
            lock (_cameras)
            {
                return _cameras.Values.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>Completes when every source has ended and every result has been handed to MQTT.</summary>
    public Task Completion => _completion ?? Task.CompletedTask;

    public static async Task<ServiceHost> StartAsync(ServiceConfig config, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var log = loggers.CreateLogger("streamvision");
        EnsureThreadPoolHeadroom();
        var policy = DeliveryPolicy.LatestOnly(config.Live.Queue);
        var poses = config.Stages.Semdepth is { Enabled: true, Pose.Mqtt: true } ? new PoseBoard() : null;
        var facts = new PerceptionFacts();
        var stages = StageBuilder.Build(config, log, poses, facts.Of);
        var sources = new List<FrameSource>();
        var failures = new Dictionary<string, string>();
        EmbeddedBroker? broker = null;
        MqttPublisher? publisher = null;
        ServiceHost? created = null; // once made, the host owns everything above and disposes it
        try
        {
            foreach (var camera in config.Cameras)
            {
                try
                {
                    sources.Add(OpenCamera(config, camera, stages.Count, log));
                }
                catch (SourceException e)
                {
                    failures[camera.Id] = e.Message;
                    log.LogError("camera {Camera} not started: {Message}", camera.Id, e.Message);
                }
            }
            if (sources.Count == 0)
            {
                throw new SourceException($"no camera could be opened: {string.Join(" ", failures.Values)}");
            }
            var mqtt = MqttSetup.From(config);
            if (config.Mqtt.Embedded.Enabled)
            {
                broker = await EmbeddedBroker.StartAsync(config.Mqtt.Embedded.Bind, config.Mqtt.Port, mqtt.Access).ConfigureAwait(false);
                log.LogInformation("embedded MQTT broker listening on {Address}:{Port}{Auth}", broker.Address, broker.Port,
                    mqtt.Access.Users.Count > 0 ? " (login required)" : "");
            }
            publisher = new MqttPublisher(mqtt.Endpoint, mqtt.Topics, loggers.CreateLogger("mqtt"), config.Mqtt.Queue, (long)config.Mqtt.QueueMb << 20);
            var pipeline = new Pipeline(sources, stages, policy, log);
            var latest = new LatestResults();
            // Perception facts only matter to the VideoLLM's verbalizer: without it, no per-result work for them.
            IResultSink[] sinks = config.Stages.Narration.Enabled
                ? [new MqttResultSink(publisher, mqtt.Topics, new ResultEncoding(config.Stages), mqtt.Qos, latest), facts]
                : [new MqttResultSink(publisher, mqtt.Topics, new ResultEncoding(config.Stages), mqtt.Qos, latest)];
            var router = new ResultRouter(sinks, log);
            var host = created = new ServiceHost(config, mqtt, pipeline, stages, broker, publisher, router, latest, log);
            foreach (var camera in config.Cameras.Where(c => failures.ContainsKey(c.Id)))
            {
                host._cameras.Remove(camera.Id);
            }
            if (poses is not null)
            {
                PoseListener.Subscribe(publisher, mqtt.Topics, poses, host.HasCamera, config.Stages.Semdepth.Pose.Clock, log);
            }
            var commands = new CommandHandler(host, loggers.CreateLogger("commands"));
            host.Commands = commands;
            commands.Subscribe();
            if (stages.OfType<Pipelines.VideoLlm.VideoLlmStageFactory>().FirstOrDefault() is { } videollm)
            {
                host.VideoLlm = videollm;
                new QuestionHandler(host, videollm, loggers.CreateLogger("videollm")).Subscribe();
            }
            foreach (var source in sources)
            {
                source.StatusChanged += host.AnnounceStatus;
            }
            await publisher.StartAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            foreach (var (camera, why) in failures)
            {
                host.StartFailures[camera] = why;
            }
            commands.PublishAllStates();
            host.Start();
            if (config.Http.Enabled)
            {
                host._http = await HttpApi.StartAsync(host, config.Http).ConfigureAwait(false);
                log.LogInformation("HTTP API on {Address} (REST /api, /metrics, /healthz, /readyz)", host._http.Address);
            }
            return host;
        }
        catch
        {
            if (created is not null)
            {
                await created.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            if (publisher is not null)
            {
                await publisher.DisposeAsync().ConfigureAwait(false);
            }
            sources.ForEach(s => s.Dispose());
            stages.ForEach(s => s.Dispose());
            if (broker is not null)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    private static FrameSource OpenCamera(ServiceConfig config, CameraConfig camera, int stageCount, ILogger log)
    {
        var source = new FrameSource(ConfigLoader.SourceOptionsFor(config, camera, Pipeline.PoolCapacityFor(DeliveryPolicy.LatestOnly(config.Live.Queue), stageCount)));
        try
        {
            source.Open();
        }
        catch
        {
            source.Dispose();
            throw;
        }
        if (source.Format is { } format)
        {
            log.LogInformation("camera {Camera}: {Url} {Width}x{Height} @ {Fps:0.##} fps", camera.Id, source.Url.Display, format.Width, format.Height, format.FramesPerSecond);
        }
        else
        {
            log.LogInformation("camera {Camera}: {Url} (live; connects and reconnects by itself)", camera.Id, source.Url.Display);
        }
        return source;
    }

    public bool HasCamera(string camera)
    {
        lock (_cameras)
        {
            return _cameras.ContainsKey(camera);
        }
    }

    /// <summary>Adds a camera while the service runs. Throws <see cref="Pipelines.Configuration.ConfigurationException"/>
    /// for a bad or duplicate camera, <see cref="SourceException"/> when it cannot be opened.</summary>
    public async Task AddCameraAsync(CameraConfig camera)
    {
        await _cameraChanges.WaitAsync().ConfigureAwait(false);
        try
        {
            var candidate = new ServiceConfig { Cameras = Cameras.Append(camera).ToList(), Stages = Config.Stages, Mqtt = Config.Mqtt, Live = Config.Live, BaseDirectory = Config.BaseDirectory, SourceName = "camera to add" };
            ConfigLoader.Validate(candidate);
            var source = OpenCamera(Config, camera, _stages.Count, _log);
            source.StatusChanged += AnnounceStatus;
            try
            {
                Pipeline.AddCamera(source);
            }
            catch
            {
                source.Dispose();
                throw;
            }
            lock (_cameras)
            {
                _cameras[camera.Id] = camera;
            }
            _log.LogInformation("camera {Camera} added", camera.Id);
        }
        finally
        {
            _cameraChanges.Release();
        }
    }

    /// <summary>Stops and removes a camera; its retained status is cleared. False if unknown.</summary>
    public async Task<bool> RemoveCameraAsync(string camera)
    {
        await _cameraChanges.WaitAsync().ConfigureAwait(false);
        try
        {
            var source = Pipeline.Source(camera);
            if (source is null || !await Pipeline.RemoveCameraAsync(camera).ConfigureAwait(false))
            {
                return false;
            }
            source.StatusChanged -= AnnounceStatus;
            source.Dispose();
            lock (_cameras)
            {
                _cameras.Remove(camera);
            }
            // An empty retained message deletes the retained status: subscribers stop seeing the camera.
            Publisher.TryPublish(new OutgoingMessage(Mqtt.Topics.CameraStatus(camera), ReadOnlyMemory<byte>.Empty, Retain: true, Qos: Mqtt.Qos.State));
            Latest.Forget(camera);
            Snapshots.Forget(camera);
            _log.LogInformation("camera {Camera} removed", camera);
            return true;
        }
        finally
        {
            _cameraChanges.Release();
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

    private void AnnounceStatus(SourceStatus status)
    {
        var level = status.State is SourceState.Reconnecting or SourceState.Failed ? LogLevel.Warning : LogLevel.Information;
        _log.Log(level, "camera {Camera}: {State}{Message}", status.CameraId, status.State.ToString().ToLowerInvariant(),
            status.Message is null ? "" : $" ({status.Message}{(status.RetryIn is { } r ? $"; retry {status.Attempt} in {r.TotalSeconds:0.0} s" : "")})");
        Publisher.TryPublish(new OutgoingMessage(Mqtt.Topics.CameraStatus(status.CameraId), CameraStatusEncoder.Json(status), "application/json", Retain: true, Qos: Mqtt.Qos.State));
    }

    private void Start()
    {
        Pipeline.FrameTap = Snapshots.Offer;
        Metrics = new ServiceMetrics(Pipeline, _stages, Publisher, () => VideoLlm is { } videollm
            ? Pipeline.Sources.SelectMany(s => videollm.MemoryOf(s.CameraId) is { } memory
                ? memory.Accounts.Concat(memory.Offloaded.Select(t => ($"offload_{t.Tier}", t.Bytes))).Select(a => (s.CameraId, a.Item1, a.Item2))
                : [])
            : [], () => VideoLlm is { } v ? [("weights", v.Model.WeightBytes), ("decoder_run_outputs", v.Model.Decoder.LargestRunOutputBytes)] : []);
        Router.Observe = Metrics.Record;
        var pipelineRun = Pipeline.RunAsync(_stop.Token);
        var routerRun = Router.RunAsync(Pipeline);
        if (Config.Mqtt.StatsIntervalSeconds > 0)
        {
            _stats = new StatsPublisher(this, TimeSpan.FromSeconds(Config.Mqtt.StatsIntervalSeconds));
            _stats.Start(_stop.Token);
        }
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
        if (_stats is not null)
        {
            await _stats.StopAsync().ConfigureAwait(false);
        }
    }

    private int _disposed;

    /// <summary>Stops and releases everything, once (later calls return at once).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (_http is not null)
        {
            await _http.DisposeAsync().ConfigureAwait(false);
        }
        await StopAsync().ConfigureAwait(false);
        await Publisher.DisposeAsync().ConfigureAwait(false);
        if (Broker is not null)
        {
            await Broker.DisposeAsync().ConfigureAwait(false);
        }
        if (Metrics is not null)
        {
            Metrics.Dispose(); // made at start; a host that failed before that has none
        }
        var sources = Pipeline.Sources;
        Pipeline.Dispose();
        foreach (var source in sources)
        {
            source.Dispose();
        }
        _stages.ForEach(s => s.Dispose());
        Snapshots.Dispose();
        _stop.Dispose();
        _cameraChanges.Dispose();
    }
}
