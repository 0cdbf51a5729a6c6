using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using StreamVision.Host.Hosting;
using StreamVision.Host.Results;
using StreamVision.Pipelines.Graph;
using StreamVision.Ingest;
using HttpResults = Microsoft.AspNetCore.Http.Results;
using StreamVision.Host.Config;
using StreamVision.Ingest.Sources;
using StreamVision.Pipelines.Configuration;

namespace StreamVision.Host.Web;

/// <summary>The live page and REST control under /api — cameras with status and settings, add and
/// remove a camera while the others run, change a setting, fetch the latest result of a stage
/// (JSON, or a companion such as the mask PNG), ask the VideoLLM. docs/REST.md lists the routes.</summary>
public static class HttpRoutes
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Map(WebApplication app)
    {
        var services = app.Services;
        var pipeline = services.GetRequiredService<Pipeline>();
        var cameras = services.GetRequiredService<LiveCameras>();
        var stages = services.GetRequiredService<StageSet>();
        var latest = services.GetRequiredService<LatestResults>();
        var snapshots = services.GetRequiredService<FrameSnapshots>();
        var commands = services.GetRequiredService<CommandHandler>();
        var events = services.GetRequiredService<EventArchive>();
        var clips = services.GetRequiredService<Hosting.Clips.EventClips>();
        var askTimeout = services.GetRequiredService<ServiceConfig>().Http.AskTimeoutSeconds;
        var page = Resource("live.html");
        var script = Resource("live.js");
        var style = Resource("live.css");
        app.MapGet("/", () => HttpResults.Bytes(page, "text/html; charset=utf-8"));
        app.MapGet("/live.js", () => HttpResults.Bytes(script, "text/javascript; charset=utf-8"));
        app.MapGet("/live.css", () => HttpResults.Bytes(style, "text/css; charset=utf-8"));

        var api = app.MapGroup("/api");
        api.MapGet("/stages", () => stages.All.Select(s => new
        {
            name = s.Name,
            model = s.ModelId,
            provider = s.Provider,
            classes = (s as Pipelines.Graph.OnnxStageFactory)?.Model.Manifest.Classes.Select(c => new { name = c.Name, color = c.Color }),
        }));
        api.MapGet("/cameras/{id}/frame.jpg", (string id, HttpResponse response) =>
        {
            if (snapshots.Latest(id) is not { } snapshot)
            {
                return cameras.Has(id) ? Error(StatusCodes.Status404NotFound, $"camera '{id}' has no picture yet; try again in a moment.") : NotFound(id);
            }
            response.Headers["X-Seq"] = snapshot.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers.CacheControl = "no-store";
            return HttpResults.Bytes(snapshot.Jpeg, "image/jpeg");
        });
        // The VideoLLM stage answers these; without it they say so.
        api.MapGet("/cameras/{id}/narration", (string id) =>
        {
            if (!cameras.Has(id))
            {
                return NotFound(id);
            }
            if (stages.VideoLlm is null)
            {
                return Error(StatusCodes.Status404NotFound, "no narration: the VideoLLM stage is not enabled (stages.videollm).");
            }
            return latest.Get(id, Pipelines.VideoLlm.VideoLlmStageFactory.StageName) is { } result
                ? HttpResults.Bytes(result.Json, "application/json")
                : Error(StatusCodes.Status404NotFound, $"camera '{id}' has no narration yet.");
        });
        api.MapPost("/cameras/{id}/ask", async (string id, HttpRequest request) =>
        {
            if (!cameras.Has(id))
            {
                return NotFound(id);
            }
            if (stages.VideoLlm is null)
            {
                return Error(StatusCodes.Status501NotImplemented, "questions need the VideoLLM stage, which is not enabled (stages.videollm).");
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
            if (!stages.VideoLlm.Ask(id, question, answered.SetResult))
            {
                return Error(StatusCodes.Status503ServiceUnavailable, $"camera '{id}' has too many questions waiting; ask again shortly.");
            }
            try
            {
                var answer = await answered.Task.WaitAsync(TimeSpan.FromSeconds(askTimeout)).ConfigureAwait(false);
                return HttpResults.Bytes(QuestionHandler.Json(answer), "application/json");
            }
            catch (TimeoutException)
            {
                // The question stays queued and is answered; only this request stops waiting.
                return Error(StatusCodes.Status504GatewayTimeout, $"camera '{id}' did not answer within {askTimeout:0.###} s (http.ask_timeout_seconds); ask again, or over MQTT (<prefix>/{id}/ask) to get the answer whenever it is ready.");
            }
        }).RequireRateLimiting(HttpSecurity.AskPolicy);
        api.MapGet("/cameras", () => pipeline.Sources.Select(s => Describe(pipeline, s)));
        api.MapGet("/cameras/{id}", (string id) => pipeline.Source(id) is { } s ? HttpResults.Json(Describe(pipeline, s)) : NotFound(id));
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
            if (cameras.Has(camera.Id))
            {
                return Error(StatusCodes.Status409Conflict, $"camera '{camera.Id}' is already running; remove it first or use another id.");
            }
            try
            {
                await cameras.AddAsync(camera).ConfigureAwait(false);
            }
            catch (ConfigurationException e)
            {
                return Error(StatusCodes.Status400BadRequest, e.Message);
            }
            catch (SourceException e)
            {
                return Error(StatusCodes.Status422UnprocessableEntity, e.Message);
            }
            return HttpResults.Json(Describe(pipeline, pipeline.Source(camera.Id)!), statusCode: StatusCodes.Status201Created);
        });
        api.MapDelete("/cameras/{id}", async (string id) => await cameras.RemoveAsync(id).ConfigureAwait(false) ? HttpResults.NoContent() : NotFound(id));
        api.MapPut("/cameras/{id}/settings/{setting}", async (string id, string setting, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var value = await reader.ReadToEndAsync().ConfigureAwait(false);
            try
            {
                return HttpResults.Json(new { camera = id, setting, value = commands.Apply(id, setting, value) });
            }
            catch (ArgumentException e)
            {
                return cameras.Has(id) ? Error(StatusCodes.Status400BadRequest, e.Message) : NotFound(id);
            }
        });
        api.MapGet("/events", (string? camera, int? limit) =>
        {
            if (limit is < 1 or > EventArchive.Keep)
            {
                return Error(StatusCodes.Status400BadRequest, $"limit must be 1..{EventArchive.Keep} (the events kept in memory).");
            }
            return HttpResults.Bytes(EventsEncoder.EventsJson(events.Recent(camera, limit ?? 50)), "application/json");
        });
        api.MapGet("/events/{id}", (string id) => events.Get(id) is { } e
            ? HttpResults.Bytes(EventsEncoder.EventJson(e), "application/json")
            : Error(StatusCodes.Status404NotFound, $"no event '{id}' is kept (the latest {EventArchive.Keep} are); list them at /api/events."));
        api.MapGet("/events/{id}/snapshot.jpg", (string id) =>
        {
            if (events.Get(id) is not { } e)
            {
                return Error(StatusCodes.Status404NotFound, $"no event '{id}' is kept (the latest {EventArchive.Keep} are); list them at /api/events.");
            }
            return events.SnapshotPath(e) is { } path
                ? HttpResults.File(path, "image/jpeg")
                : Error(StatusCodes.Status404NotFound, $"event '{id}' has no snapshot on disk (none taken yet, snapshots off, or removed by the folder's size or age bound).");
        });
        api.MapGet("/events/{id}/clip.mp4", (string id) => clips.ClipOf(id) is { } clip
            ? HttpResults.File(clip.Path, "video/mp4", enableRangeProcessing: true)
            : Error(StatusCodes.Status404NotFound, clips.Active
                ? $"event '{id}' has no clip (not ended yet, its camera is not RTSP, the recording did not cover it, or the folder's size or age bound removed it); list clips at /api/clips."
                : "clips are off (stages.events.clips.enabled, or the events stage is not running)."));
        api.MapGet("/clips", (string? camera, int? limit) => limit is < 1 or > Hosting.Clips.EventClips.Keep
            ? Error(StatusCodes.Status400BadRequest, $"limit must be 1..{Hosting.Clips.EventClips.Keep}.")
            : HttpResults.Bytes(Hosting.Clips.EventClips.ClipsJson(clips.Recent(camera, limit ?? 50)), "application/json"));
        api.MapGet("/cameras/{id}/stages/{stage}/latest", (string id, string stage) =>
            latest.Get(id, stage) is { } result ? HttpResults.Bytes(result.Json, "application/json") : NoResult(pipeline, cameras, id, stage));
        api.MapGet("/cameras/{id}/stages/{stage}/latest/{kind}", (string id, string stage, string kind) =>
            latest.Get(id, stage)?.Companions.FirstOrDefault(c => c.Kind == kind) is { } companion
                ? HttpResults.Bytes(companion.Bytes, companion.ContentType)
                : NoResult(pipeline, cameras, id, stage));
    }

    private static byte[] Resource(string name)
    {
        using var stream = typeof(HttpRoutes).Assembly.GetManifestResourceStream($"StreamVision.{name}")
            ?? throw new InvalidOperationException($"the live page's {name} is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static object Describe(Pipeline pipeline, FrameSource source) => new
    {
        id = source.CameraId,
        url = source.Url.Display,
        state = source.Stats.State.ToString().ToLowerInvariant(),
        frames = source.Stats.Decoded,
        reconnects = source.Stats.Reconnects,
        max_fps = source.MaxFps,
        stages = pipeline.StageStats.Where(s => s.CameraId == source.CameraId).Select(s => new
        {
            name = s.Stage,
            enabled = pipeline.IsStageEnabled(source.CameraId, s.Stage),
            processed = s.Processed,
            dropped = s.Dropped,
            errors = s.Errors,
            mean_ms = s.Processed == 0 ? 0 : Math.Round(s.Busy.TotalMilliseconds / s.Processed, 2),
        }),
    };

    private static IResult Error(int status, string message) => HttpResults.Json(new { error = message }, statusCode: status);

    private static IResult NotFound(string id) => Error(StatusCodes.Status404NotFound, $"no camera '{id}'.");

    private static IResult NoResult(Pipeline pipeline, LiveCameras cameras, string id, string stage) => !cameras.Has(id)
        ? NotFound(id)
        : Error(StatusCodes.Status404NotFound, pipeline.StageNames.Contains(stage)
            ? $"camera '{id}' has no {stage} result yet."
            : $"no stage '{stage}'; stages: {string.Join(", ", pipeline.StageNames)}.");
}
