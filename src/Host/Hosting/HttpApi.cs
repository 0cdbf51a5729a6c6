using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using StreamVision.Ingest;
using HttpResults = Microsoft.AspNetCore.Http.Results;
using StreamVision.Host.Config;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Configuration;

namespace StreamVision.Host.Hosting;

/// <summary>
/// The service's HTTP side, on 127.0.0.1 by default: Prometheus metrics (/metrics, from the
/// service's meter), health (/healthz: the process serves; /readyz: MQTT connected and a camera
/// streaming), and REST control under /api — cameras with status and settings, add and remove a
/// camera while the others run, change a setting, fetch the latest result of a stage (JSON, or a
/// companion such as the mask PNG). docs/REST.md lists the routes.
/// </summary>
public sealed class HttpApi : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly WebApplication _app;
    private readonly IDisposable _meterAdapter;

    private HttpApi(WebApplication app, IDisposable meterAdapter, Uri address)
    {
        _app = app;
        _meterAdapter = meterAdapter;
        Address = address;
    }

    /// <summary>Where the API listens, e.g. http://127.0.0.1:8080/.</summary>
    public Uri Address { get; }

    public static async Task<HttpApi> StartAsync(ServiceHost host, HttpConfig config)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The service handles SIGTERM/SIGINT itself (Program): the web host must not hook them too.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, ServiceOwnedLifetime>();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(config.Bind), config.Port));
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        var app = builder.Build();
        var registry = Metrics.NewCustomRegistry();
        var adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = registry,
            MetricFactory = Metrics.WithCustomRegistry(registry),
            InstrumentFilterPredicate = instrument => ReferenceEquals(instrument.Meter, host.Metrics.Meter),
            ResolveHistogramBuckets = _ => [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
        });
        app.MapMetrics("/metrics", registry);
        Map(app, host);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            adapter.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            throw new ConfigurationException($"http: cannot listen on {config.Bind}:{config.Port} ({e.Message.Trim()}). Set http.port (or --http-port) to a free port, or http.enabled: false.");
        }
        var bound = app.Urls.FirstOrDefault() ?? $"http://{config.Bind}:{config.Port}";
        return new HttpApi(app, adapter, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    private static void Map(WebApplication app, ServiceHost host)
    {
        app.MapGet("/healthz", () => HttpResults.Json(new { status = "ok" }));
        app.MapGet("/readyz", () =>
        {
            var reasons = new List<string>();
            if (!host.Publisher.IsConnected)
            {
                reasons.Add($"MQTT broker {host.Publisher.Endpoint} not connected");
            }
            if (!host.Pipeline.Sources.Any(s => s.Stats.State == SourceState.Streaming))
            {
                reasons.Add("no camera is streaming");
            }
            return reasons.Count == 0
                ? HttpResults.Json(new { status = "ready" })
                : HttpResults.Json(new { status = "not ready", reasons }, statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        var page = LivePage();
        app.MapGet("/", () => HttpResults.Bytes(page, "text/html; charset=utf-8"));

        var api = app.MapGroup("/api");
        api.MapGet("/stages", () => host.Stages.Select(s => new
        {
            name = s.Name,
            model = s.ModelId,
            provider = s.Provider,
            classes = (s as Pipelines.Graph.OnnxStageFactory)?.Model.Manifest.Classes.Select(c => new { name = c.Name, color = c.Color }),
        }));
        api.MapGet("/cameras/{id}/frame.jpg", (string id, HttpResponse response) =>
        {
            if (host.Snapshots.Latest(id) is not { } snapshot)
            {
                return host.HasCamera(id) ? Error(StatusCodes.Status404NotFound, $"camera '{id}' has no picture yet; try again in a moment.") : NotFound(id);
            }
            response.Headers["X-Seq"] = snapshot.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers.CacheControl = "no-store";
            return HttpResults.Bytes(snapshot.Jpeg, "image/jpeg");
        });
        // The VideoLLM stage answers these; without it they say so.
        api.MapGet("/cameras/{id}/narration", (string id) =>
        {
            if (!host.HasCamera(id))
            {
                return NotFound(id);
            }
            if (host.VideoLlm is null)
            {
                return Error(StatusCodes.Status404NotFound, "no narration: the VideoLLM stage is not enabled (stages.narration).");
            }
            return host.Latest.Get(id, Pipelines.VideoLlm.VideoLlmStageFactory.StageName) is { } latest
                ? HttpResults.Bytes(latest.Json, "application/json")
                : Error(StatusCodes.Status404NotFound, $"camera '{id}' has no narration yet.");
        });
        api.MapPost("/cameras/{id}/ask", async (string id, HttpRequest request) =>
        {
            if (!host.HasCamera(id))
            {
                return NotFound(id);
            }
            if (host.VideoLlm is null)
            {
                return Error(StatusCodes.Status501NotImplemented, "questions need the VideoLLM stage, which is not enabled (stages.narration).");
            }
            string? question;
            try
            {
                using var body = await JsonDocument.ParseAsync(request.Body).ConfigureAwait(false);
                question = body.RootElement.GetProperty("question").GetString();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return Error(StatusCodes.Status400BadRequest, "send {\"question\": \"…\"}.");
            }
            if (string.IsNullOrWhiteSpace(question) || question.Length > QuestionHandler.MaxQuestionBytes)
            {
                return Error(StatusCodes.Status400BadRequest, $"ask a question of 1..{QuestionHandler.MaxQuestionBytes} characters.");
            }
            var answered = new TaskCompletionSource<Pipelines.VideoLlm.Answer>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!host.VideoLlm.Ask(id, question, answered.SetResult))
            {
                return Error(StatusCodes.Status503ServiceUnavailable, $"camera '{id}' has too many questions waiting; ask again shortly.");
            }
            try
            {
                var answer = await answered.Task.WaitAsync(TimeSpan.FromSeconds(host.Config.Http.AskTimeoutSeconds)).ConfigureAwait(false);
                return HttpResults.Bytes(QuestionHandler.Json(answer), "application/json");
            }
            catch (TimeoutException)
            {
                // The question stays queued and is answered; only this request stops waiting.
                return Error(StatusCodes.Status504GatewayTimeout, $"camera '{id}' did not answer within {host.Config.Http.AskTimeoutSeconds:0.###} s (http.ask_timeout_seconds); ask again, or over MQTT (<prefix>/{id}/ask) to get the answer whenever it is ready.");
            }
        });
        api.MapGet("/cameras", () => host.Pipeline.Sources.Select(s => Describe(host, s)));
        api.MapGet("/cameras/{id}", (string id) => host.Pipeline.Source(id) is { } s ? HttpResults.Json(Describe(host, s)) : NotFound(id));
        api.MapPost("/cameras", async (HttpRequest request) =>
        {
            CameraConfig? camera;
            try
            {
                camera = await JsonSerializer.DeserializeAsync<CameraConfig>(request.Body, Json).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                return Error(StatusCodes.Status400BadRequest, $"the body is not a camera: {e.Message} Send JSON with the keys of a 'cameras' entry, e.g. {{\"id\": \"gate\", \"url\": \"rtsp://…\"}}.");
            }
            if (camera is null)
            {
                return Error(StatusCodes.Status400BadRequest, "send a camera as JSON, e.g. {\"id\": \"gate\", \"url\": \"rtsp://…\"}.");
            }
            if (host.HasCamera(camera.Id))
            {
                return Error(StatusCodes.Status409Conflict, $"camera '{camera.Id}' is already running; remove it first or use another id.");
            }
            try
            {
                await host.AddCameraAsync(camera).ConfigureAwait(false);
            }
            catch (ConfigurationException e)
            {
                return Error(StatusCodes.Status400BadRequest, e.Message);
            }
            catch (SourceException e)
            {
                return Error(StatusCodes.Status422UnprocessableEntity, e.Message);
            }
            return HttpResults.Json(Describe(host, host.Pipeline.Source(camera.Id)!), statusCode: StatusCodes.Status201Created);
        });
        api.MapDelete("/cameras/{id}", async (string id) => await host.RemoveCameraAsync(id).ConfigureAwait(false) ? HttpResults.NoContent() : NotFound(id));
        api.MapPut("/cameras/{id}/settings/{setting}", async (string id, string setting, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var value = await reader.ReadToEndAsync().ConfigureAwait(false);
            try
            {
                return HttpResults.Json(new { camera = id, setting, value = host.Commands.Apply(id, setting, value) });
            }
            catch (ArgumentException e)
            {
                return host.HasCamera(id) ? Error(StatusCodes.Status400BadRequest, e.Message) : NotFound(id);
            }
        });
        api.MapGet("/cameras/{id}/stages/{stage}/latest", (string id, string stage) =>
            host.Latest.Get(id, stage) is { } latest ? HttpResults.Bytes(latest.Json, "application/json") : NoResult(host, id, stage));
        api.MapGet("/cameras/{id}/stages/{stage}/latest/{kind}", (string id, string stage, string kind) =>
            host.Latest.Get(id, stage)?.Companions.FirstOrDefault(c => c.Kind == kind) is { } companion
                ? HttpResults.Bytes(companion.Bytes, companion.ContentType)
                : NoResult(host, id, stage));
    }

    private static byte[] LivePage()
    {
        using var stream = typeof(HttpApi).Assembly.GetManifestResourceStream("StreamVision.live.html")
            ?? throw new InvalidOperationException("the live page is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static object Describe(ServiceHost host, FrameSource source) => new
    {
        id = source.CameraId,
        url = source.Url.Display,
        state = source.Stats.State.ToString().ToLowerInvariant(),
        frames = source.Stats.Decoded,
        reconnects = source.Stats.Reconnects,
        max_fps = source.MaxFps,
        stages = host.Pipeline.StageStats.Where(s => s.CameraId == source.CameraId).Select(s => new
        {
            name = s.Stage,
            enabled = host.Pipeline.IsStageEnabled(source.CameraId, s.Stage),
            processed = s.Processed,
            dropped = s.Dropped,
            errors = s.Errors,
            mean_ms = s.Processed == 0 ? 0 : Math.Round(s.Busy.TotalMilliseconds / s.Processed, 2),
        }),
    };

    private static IResult Error(int status, string message) => HttpResults.Json(new { error = message }, statusCode: status);

    private static IResult NotFound(string id) => Error(StatusCodes.Status404NotFound, $"no camera '{id}'.");

    private static IResult NoResult(ServiceHost host, string id, string stage) => !host.HasCamera(id)
        ? NotFound(id)
        : Error(StatusCodes.Status404NotFound, host.Pipeline.StageNames.Contains(stage)
            ? $"camera '{id}' has no {stage} result yet."
            : $"no stage '{stage}'; stages: {string.Join(", ", host.Pipeline.StageNames)}.");

    /// <summary>A host lifetime that leaves signals and shutdown to the service.</summary>
    private sealed class ServiceOwnedLifetime : Microsoft.Extensions.Hosting.IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _meterAdapter.Dispose();
    }
}
