using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Host.Web;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.VideoLlm;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>
/// The live service as a running .NET Generic Host (a <see cref="WebApplication"/> when HTTP is on):
/// built from the config by <see cref="ServiceComposition"/>, started in its stated order, stopped
/// in reverse, disposed once. Everything that can fail on bad input (config, models, broker port,
/// cameras, HTTP port) fails in <see cref="StartAsync"/>, before it returns, and leaves nothing
/// running. The properties give callers (the CLI, benchmarks, tests) the service's parts.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly IHost _host;
    private int _stopped;
    private int _disposed;

    private ServiceHost(IHost host, ServiceConfig config)
    {
        _host = host;
        Config = config;
        // Resolved now: callers read the parts (counters, stats) after the host is stopped and disposed.
        var services = host.Services;
        Pipeline = services.GetRequiredService<Pipeline>();
        Publisher = services.GetRequiredService<MqttPublisher>();
        Mqtt = services.GetRequiredService<MqttSetup>();
        _broker = services.GetRequiredService<EmbeddedBrokerService>();
        Router = services.GetRequiredService<ResultRouter>();
        Latest = services.GetRequiredService<LatestResults>();
        Snapshots = services.GetRequiredService<FrameSnapshots>();
        _stages = services.GetRequiredService<StageSet>();
        Commands = services.GetRequiredService<CommandHandler>();
        Metrics = services.GetRequiredService<ServiceMetrics>();
        Cameras = services.GetRequiredService<LiveCameras>();
        _pipeline = services.GetRequiredService<PipelineService>();
        Http = config.Http.Enabled ? new HttpEndpoint(HttpSetup.Address(services, config.Http)) : null;
    }

    private readonly EmbeddedBrokerService _broker;
    private readonly StageSet _stages;
    private readonly PipelineService _pipeline;

    public ServiceConfig Config { get; }
    public IServiceProvider Services => _host.Services;
    public Pipeline Pipeline { get; }
    public MqttPublisher Publisher { get; }
    public MqttSetup Mqtt { get; }
    public EmbeddedBroker? Broker => _broker.Broker;
    public ResultRouter Router { get; }
    public LatestResults Latest { get; }
    public FrameSnapshots Snapshots { get; }
    public IReadOnlyList<IStageFactory> Stages => _stages.All;
    public CommandHandler Commands { get; }
    public VideoLlmStageFactory? VideoLlm => _stages.VideoLlm;
    public ServiceMetrics Metrics { get; }
    public LiveCameras Cameras { get; }
    public Dictionary<string, string> StartFailures => Cameras.StartFailures;

    /// <summary>The HTTP API, when enabled.</summary>
    public HttpEndpoint? Http { get; }

    /// <summary>Completes when every source has ended and every result has been handed to MQTT.</summary>
    public Task Completion => _pipeline.Completion;

    public bool HasCamera(string camera) => Cameras.Has(camera);

    /// <param name="loggers">Where the service logs; null: the console, as the config's log_level and log_format say.</param>
    public static async Task<ServiceHost> StartAsync(ServiceConfig config, ILoggerFactory? loggers, CancellationToken cancellationToken)
    {
        var host = ServiceHostBuilder.Build(config, loggers);
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("streamvision");
        try
        {
            // Build every part first (stages load their models here): a configuration or model problem then
            // surfaces before anything runs, with nothing to stop.
            _ = host.Services.GetServices<IHostedService>().ToList();
        }
        catch
        {
            await DisposeHostAsync(host).ConfigureAwait(false);
            throw;
        }
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            var started = new ServiceHost(host, config);
            if (started.Http is { } http)
            {
                log.LogInformation("HTTP API on {Address} (live page /, REST /api, /metrics, /healthz, /readyz)", http.Address);
                if (host.Services.GetRequiredService<HttpAccess>().LoginCode is { } code)
                {
                    log.LogWarning("HTTP needs the token (http.token); sign a browser in once with {Address}login?code={Code}", http.Address, code);
                }
            }
            return started;
        }
        catch (Exception e)
        {
            // Stop what did start (hosted services are stopped in reverse; each tolerates not having started), then release
            // everything once; a failure while cleaning up is logged, never put in place of the error that stopped the start.
            try
            {
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception stopError)
            {
                log.LogWarning("stopping after a failed start: {Message}", stopError.Message);
            }
            finally
            {
                await DisposeHostAsync(host).ConfigureAwait(false);
            }
            if (e is IOException && config.Http.Enabled && e.Message.Contains("bind", StringComparison.OrdinalIgnoreCase))
            {
                throw new Pipelines.Configuration.ConfigurationException($"http: cannot listen on {config.Http.Bind}:{config.Http.Port} ({e.Message.Trim()}). Set http.port (or --http-port) to a free port, or http.enabled: false.", e);
            }
            throw;
        }
    }

    /// <summary>Stops the sources; queued frames are finished and published; then the rest, in reverse start order.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Stops (if not yet) and releases everything, once (later calls return at once).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await DisposeHostAsync(_host).ConfigureAwait(false);
        }
    }

    private static async ValueTask DisposeHostAsync(IHost host)
    {
        if (host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            host.Dispose();
        }
    }
}

/// <summary>Where the service's HTTP API listens.</summary>
public sealed record HttpEndpoint(Uri Address);
