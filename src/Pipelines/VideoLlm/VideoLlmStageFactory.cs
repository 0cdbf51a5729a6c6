using System.Diagnostics;
using System.Threading.Channels;
using StreamVision.Cache;
using StreamVision.Cache.Kv;
using StreamVision.Cache.Multimodal;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>How the VideoLLM stage runs per camera.</summary>
/// <param name="IngestFps">Frames entering the cache per second (the rest pass by).</param>
/// <param name="NarrationInterval">Time between narrations (0: never).</param>
/// <param name="CameraBudgetBytes">Each camera's cache budget (drawn from <paramref name="Overall"/>).</param>
/// <param name="LlmVerbalizes">The LLM writes the long-term text from the expiring frames' visual
/// tokens (ProVideLLM), every <paramref name="VerbalizeEvery"/>; otherwise the structured verbalizer
/// writes it from the perception facts.</param>
public sealed record VideoLlmSettings(double IngestFps, TimeSpan NarrationInterval, TimeSpan VisualWindow, long CameraBudgetBytes, ByteBudget Overall,
    int MaxTokens = 32, float Temperature = 0, int TextTokenCap = 1024, bool LlmVerbalizes = false, TimeSpan VerbalizeEvery = default,
    OffloadSettings? Offload = null);

/// <summary>What the model said about a stretch of the stream.</summary>
public sealed class NarrationResult(string text, double from, double to) : StageResult
{
    public string Text { get; } = text;

    /// <summary>Stream seconds the memory behind the text covers.</summary>
    public double From { get; } = from;

    public double To { get; } = to;
}

/// <summary>An answer to a question, with the time range of the memory it drew on.</summary>
public sealed record Answer(string Camera, string Question, string Text, double From, double To, TimeSpan Latency);

/// <summary>
/// The procedural VideoLLM (ProVideLLM): frames enter each camera's <see cref="MultimodalCache"/>
/// at <see cref="VideoLlmSettings.IngestFps"/> as visual tokens with their KV; the model narrates
/// every <see cref="VideoLlmSettings.NarrationInterval"/>; questions are answered on a separate
/// thread per camera from a snapshot of the memory, so answering never stalls ingestion.
/// </summary>
public sealed class VideoLlmStageFactory(VideoLlmModel model, VideoLlmSettings settings, Func<string, FrameFacts> facts) : IStageFactory
{
    public const string StageName = "videollm";
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, VideoLlmCamera> _cameras = new();
    private readonly OffloadStore _offload = new(settings.Offload ?? OffloadSettings.None);

    public string Name => StageName;
    public string ModelId => model.Id;
    public string Provider => "cpu";
    public VideoLlmModel Model => model;

    public IFrameStage Create(string cameraId) => _cameras[cameraId] = new VideoLlmCamera(model, settings, facts, cameraId, _offload, () => _cameras.TryRemove(cameraId, out _));

    /// <summary>The running camera's memory, for stats (null if the camera is unknown).</summary>
    public MultimodalCache? CacheOf(string camera) => _cameras.TryGetValue(camera, out var c) ? c.Cache : null;

    /// <summary>The running camera's accounts (null if the camera is unknown).</summary>
    public VideoLlmMemory? MemoryOf(string camera) => _cameras.TryGetValue(camera, out var c) ? c.Memory : null;

    /// <summary>Frames the camera's memory could not take (its budget had no room even after every
    /// policy), and why the last one could not.</summary>
    /// <summary>Tokens the camera's cache held in KV after its last change (read without its lock).</summary>
    public int TokensOf(string camera) => _cameras.TryGetValue(camera, out var c) ? Volatile.Read(ref c.HeldTokens) : 0;

    /// <summary>Times the camera's cache was re-based to stay inside the model's window.</summary>
    public long RebasesOf(string camera) => _cameras.TryGetValue(camera, out var c) ? Interlocked.Read(ref c.Rebased) : 0;

    public (long Count, string? Last) RefusalsOf(string camera) => _cameras.TryGetValue(camera, out var c) ? (Interlocked.Read(ref c.Refused), c.LastRefusal) : (0, null);

    public long IngestedFrames(string camera) => _cameras.TryGetValue(camera, out var c) ? Interlocked.Read(ref c.Ingested) : 0;

    /// <summary>Queues a question; <paramref name="reply"/> is called on the camera's answer thread.
    /// False when the camera is unknown.</summary>
    public bool Ask(string camera, string question, Action<Answer> reply)
        => _cameras.TryGetValue(camera, out var c) && c.Ask(question, reply);

    public void Dispose()
    {
        _offload.Dispose();
        model.Dispose();
    }
}
