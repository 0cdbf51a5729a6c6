using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Host.Results;
using StreamVision.Ingest;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Graph;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Hosting;

/// <summary>
/// The cameras of the live service: opens the configured ones at start (a camera that cannot be
/// opened is reported and the others run; none at all fails the start), adds and removes cameras
/// while the service runs, announces each camera's status, and closes the sources at the end.
/// </summary>
public sealed class LiveCameras(ServiceConfig config, StageSet stages, Pipeline pipeline, MqttPublisher publisher, MqttSetup mqtt,
    LatestResults latest, FrameSnapshots snapshots, EventStates states, ILoggerFactory loggers) : IHostedService, IDisposable
{
    private readonly ILogger _log = loggers.CreateLogger("streamvision");
    private readonly Dictionary<string, CameraConfig> _cameras = new();
    private readonly List<FrameSource> _opened = new();
    private readonly SemaphoreSlim _changes = new(1, 1);

    /// <summary>Cameras that could not be opened at start, and why.</summary>
    public Dictionary<string, string> StartFailures { get; } = new();

    /// <summary>The configuration of each camera now running.</summary>
    public IReadOnlyList<CameraConfig> Running
    {
        get
        {
            lock (_cameras)
            {
                return _cameras.Values.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
            }
        }
    }

    public bool Has(string camera)
    {
        lock (_cameras)
        {
            return _cameras.ContainsKey(camera);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var camera in config.Cameras)
        {
            try
            {
                Attach(camera);
            }
            catch (SourceException e)
            {
                StartFailures[camera.Id] = e.Message;
                _log.LogError("camera {Camera} not started: {Message}", camera.Id, e.Message);
            }
        }
        if (_cameras.Count == 0)
        {
            throw new SourceException($"no camera could be opened: {string.Join(" ", StartFailures.Values)}");
        }
        return Task.CompletedTask;
    }

    /// <summary>Sources stop with the pipeline (its service stops before this one); nothing to do here.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Adds a camera while the service runs. Throws <see cref="Pipelines.Configuration.ConfigurationException"/>
    /// for a bad or duplicate camera, <see cref="SourceException"/> when it cannot be opened.</summary>
    public async Task AddAsync(CameraConfig camera)
    {
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            var candidate = new ServiceConfig { Cameras = Running.Append(camera).ToList(), Stages = config.Stages, Mqtt = config.Mqtt, Live = config.Live, BaseDirectory = config.BaseDirectory, SourceName = "camera to add" };
            ConfigLoader.Validate(candidate);
            Attach(camera);
            _log.LogInformation("camera {Camera} added", camera.Id);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Stops and removes a camera; its retained status is cleared. False if unknown.</summary>
    public async Task<bool> RemoveAsync(string camera)
    {
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            var source = pipeline.Source(camera);
            if (source is null || !await pipeline.RemoveCameraAsync(camera).ConfigureAwait(false))
            {
                return false;
            }
            source.StatusChanged -= AnnounceStatus;
            source.Dispose();
            lock (_cameras)
            {
                _cameras.Remove(camera);
                _opened.Remove(source);
            }
            // An empty retained message deletes the retained status: subscribers stop seeing the camera.
            publisher.TryPublish(new OutgoingMessage(mqtt.Topics.CameraStatus(camera), ReadOnlyMemory<byte>.Empty, Retain: true, Qos: mqtt.Qos.State));
            latest.Forget(camera);
            snapshots.Forget(camera);
            states.Forget(camera);
            stages.Zones.TryRemove(camera, out _);
            _log.LogInformation("camera {Camera} removed", camera);
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    private void Attach(CameraConfig camera)
    {
        var source = new FrameSource(ConfigLoader.SourceOptionsFor(config, camera, Pipeline.PoolCapacityFor(pipeline.Policy, stages.All)));
        try
        {
            source.Open();
            source.StatusChanged += AnnounceStatus;
            var zones = CameraZonesConfig.ToZones(camera);
            // Pixel zones must lie in the camera's frames, known once its source is open.
            if (source.Format is { } size && zones.ProblemFitting(camera.Id, size.Width, size.Height) is { } problem)
            {
                throw new Pipelines.Configuration.ConfigurationException(problem);
            }
            stages.Zones[camera.Id] = zones;
            states.Track(camera.Id);
            pipeline.AddCamera(source);
        }
        catch
        {
            source.Dispose();
            throw;
        }
        lock (_cameras)
        {
            _cameras[camera.Id] = camera;
            _opened.Add(source);
        }
        if (source.Format is { } format)
        {
            _log.LogInformation("camera {Camera}: {Url} {Width}x{Height} @ {Fps:0.##} fps", camera.Id, source.Url.Display, format.Width, format.Height, format.FramesPerSecond);
        }
        else
        {
            _log.LogInformation("camera {Camera}: {Url} (live; connects and reconnects by itself)", camera.Id, source.Url.Display);
        }
    }

    private void AnnounceStatus(SourceStatus status)
    {
        var level = status.State is SourceState.Reconnecting or SourceState.Failed ? LogLevel.Warning : LogLevel.Information;
        _log.Log(level, "camera {Camera}: {State}{Message}", status.CameraId, status.State.ToString().ToLowerInvariant(),
            status.Message is null ? "" : $" ({status.Message}{(status.RetryIn is { } r ? $"; retry {status.Attempt} in {r.TotalSeconds:0.0} s" : "")})");
        publisher.TryPublish(new OutgoingMessage(mqtt.Topics.CameraStatus(status.CameraId), CameraStatusEncoder.Json(status), "application/json", Retain: true, Qos: mqtt.Qos.State));
    }

    public void Dispose()
    {
        lock (_cameras)
        {
            _opened.ForEach(s => s.Dispose());
            _opened.Clear();
        }
        _changes.Dispose();
    }
}
