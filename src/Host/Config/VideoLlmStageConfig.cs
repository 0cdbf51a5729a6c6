using Microsoft.Extensions.Options;

namespace StreamVision.Host.Config;

/// <summary>The procedural VideoLLM: memory per camera, narration, questions.</summary>
public sealed class VideoLlmStageConfig : OnnxStageConfig
{
    /// <summary>A videollm manifest (SmolVLM split layout); reference_videollm is the generated test model.</summary>
    public override string Model { get; set; } = "reference_videollm";

    /// <summary>Frames per second that enter the memory.</summary>
    public double IngestFps { get; set; } = 2;

    /// <summary>Seconds between narrations on &lt;prefix&gt;/&lt;camera&gt;/videollm; 0 narrates never (questions only).</summary>
    public double NarrationIntervalSeconds { get; set; } = 10;

    /// <summary>Seconds of visual tokens kept; older frames become text.</summary>
    public double VisualWindowSeconds { get; set; } = 10;

    /// <summary>Each camera's memory budget.</summary>
    public double CameraBudgetMb { get; set; } = 2048;

    /// <summary>All cameras' memory together.</summary>
    public double TotalBudgetMb { get; set; } = 2048;

    public int MaxTokens { get; set; } = 48;

    /// <summary>0 is greedy; above 0 samples.</summary>
    public double Temperature { get; set; }

    /// <summary>Who writes long-term memory: structured (perception facts) or llm (the model, from the expiring visual tokens).</summary>
    public string Verbalizer { get; set; } = "structured";

    /// <summary>Expired frames are verbalized together once they span this long (llm: one generation per chunk).</summary>
    public double VerbalizeEverySeconds { get; set; } = 10;

    /// <summary>HeadInfer's offload: KV heads move to host memory, then disk, before tokens are evicted.</summary>
    public VideoLlmOffloadConfig Offload { get; set; } = new();
}

/// <summary>Where offloaded KV goes (all cameras together); nothing set, no offload.</summary>
public sealed class VideoLlmOffloadConfig
{
    /// <summary>Host memory (outside the managed heap) for offloaded KV; 0 = none.</summary>
    public double HostMb { get; set; }

    /// <summary>A folder the service owns for offloaded KV, emptied at start and at stop; empty = none.</summary>
    public string DiskDir { get; set; } = "";

    /// <summary>Disk space for offloaded KV.</summary>
    public double DiskMb { get; set; }
}

public sealed class VideoLlmRules(ServiceConfig root) : SectionRules<VideoLlmStageConfig>(root)
{
    public override IEnumerable<ConfigProblem> Check(VideoLlmStageConfig n, string key)
    {
        if (!(n.IngestFps is > 0 and <= 30))
        {
            yield return ConfigProblem.Bad($"{key}.ingest_fps", n.IngestFps, "use 0 < fps <= 30 (2 is ProVideLLM's per-frame rate).");
        }
        if (!(n.NarrationIntervalSeconds >= 0))
        {
            yield return ConfigProblem.Bad($"{key}.narration_interval_seconds", n.NarrationIntervalSeconds, "use 0 (never narrate; questions only) or more seconds.");
        }
        if (!(n.VisualWindowSeconds > 0))
        {
            yield return ConfigProblem.Bad($"{key}.visual_window_seconds", n.VisualWindowSeconds, "use a positive number of seconds of visual tokens to keep.");
        }
        if (!(n.CameraBudgetMb > 0) || n.TotalBudgetMb < n.CameraBudgetMb)
        {
            yield return ConfigProblem.Bad($"{key}.camera_budget_mb", n.CameraBudgetMb, "use a positive budget no larger than total_budget_mb.");
        }
        if (n.Verbalizer is not ("structured" or "llm") || n.VerbalizeEverySeconds < 0)
        {
            yield return ConfigProblem.Bad($"{key}.verbalizer", n.Verbalizer, "use structured (perception facts) or llm (the model writes), and verbalize_every_seconds of 0 or more.");
        }
        if (n.MaxTokens is < 1 or > 4096)
        {
            yield return ConfigProblem.Bad($"{key}.max_tokens", n.MaxTokens, "use 1..4096 tokens.");
        }
        if (!(n.Temperature >= 0))
        {
            yield return ConfigProblem.Bad($"{key}.temperature", n.Temperature, "use 0 (greedy) or a positive sampling temperature.");
        }
        if (!(n.Offload.HostMb >= 0))
        {
            yield return ConfigProblem.Bad($"{key}.offload.host_mb", n.Offload.HostMb, "use 0 (no host tier) or a positive number of MiB.");
        }
        if (!(n.Offload.DiskMb >= 0) || (n.Offload.DiskMb > 0) != (n.Offload.DiskDir.Length > 0))
        {
            yield return ConfigProblem.Bad($"{key}.offload.disk_mb", n.Offload.DiskMb, "give both offload.disk_dir (a folder the service may empty) and a positive offload.disk_mb, or neither.");
        }
    }
}
