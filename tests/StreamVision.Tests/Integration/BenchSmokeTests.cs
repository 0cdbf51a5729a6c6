using System.Text.Json;
using StreamVision.Host.Cli;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>Benchmarks are not tests, but a seconds-long run of each keeps them from rotting.</summary>
[Trait("Category", "Integration")]
public sealed class BenchSmokeTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task Decode_benchmark_runs_both_sides_on_the_same_frames_and_reports_a_ratio()
    {
        var json = Path.Combine(_dir.Path, "decode.json");
        var run = await BenchRun.InvokeAsync("decode", "--clip", SharedData.CarClip, "--threads", "1", "--repeat", "1", "--json", json);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var report = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(377, report.GetProperty("Frames").GetInt64());
        var fps = report.GetProperty("Measurements").EnumerateArray().Select(m => m.GetProperty("FramesPerSecond").GetDouble()).ToList();
        Assert.Equal(3, fps.Count);
        Assert.All(fps, f => Assert.True(f > 0));
        Assert.Equal(fps[0] / fps[1], report.GetProperty("RatioToFfmpeg").GetDouble(), 6);
        Assert.Contains("ratio streamvision / ffmpeg:", run.Output);
    }

    [Fact]
    public async Task Limit_benchmark_measures_decode_model_and_pipeline_on_the_same_clip()
    {
        var json = Path.Combine(_dir.Path, "limit.json");
        var run = await BenchRun.InvokeAsync("limit", "--clip", SharedData.CarClip, "--repeat", "1", "--json", json);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var report = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(377, report.GetProperty("Frames").GetInt64());
        var parts = report.GetProperty("Measurements").EnumerateArray().ToDictionary(m => m.GetProperty("Name").GetString()!, m => m);
        Assert.Equal(["decode", "preprocess", "model", "stage", "encode", "pipeline"], parts.Keys);
        double Fps(string part) => parts[part].GetProperty("FramesPerSecond").GetDouble();
        Assert.All(parts.Keys, p => Assert.True(Fps(p) > 0, p));
        Assert.Equal(Fps("pipeline") / Math.Min(Fps("decode"), Fps("model")), report.GetProperty("Efficiency").GetDouble(), 6);
        Assert.Equal(1 / (1 / Fps("decode") + 1 / Fps("stage") + 1 / Fps("encode")), report.GetProperty("SerialBound").GetDouble(), 6);
        // The pooled hot path: decoding into pooled frames and running the model into bound tensors allocate
        // nothing per frame. Any object made per frame costs at least 24 bytes a frame; a one-off allocation
        // (tiered JIT, a lazy field) spread over the runs stays below one byte. Pre-processing makes only
        // OpenCV's output-argument wrapper per frame (~100 bytes), never a pixel buffer.
        Assert.InRange(parts["decode"].GetProperty("AllocatedBytesPerFrame").GetDouble(), 0, 1);
        Assert.InRange(parts["model"].GetProperty("AllocatedBytesPerFrame").GetDouble(), 0, 1);
        Assert.InRange(parts["preprocess"].GetProperty("AllocatedBytesPerFrame").GetDouble(), 0, 256);
        Assert.Contains("pipeline / slowest part:", run.Output);
    }

    [Fact]
    public async Task VideoLlm_benchmark_runs_the_whole_stage_under_its_budget_and_plots_memory()
    {
        var run = await BenchRun.InvokeAsync("videollm", "--frames", "8", "--tokens", "4", "--minutes", "4",
            "--budget-mb", "0.25", "--offload-host-mb", "0.03", "--offload-disk-mb", "1", "--out", _dir.Path);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "videollm.json"))).RootElement;
        Assert.Equal(2, report.GetProperty("rates").GetArrayLength());
        Assert.All(report.GetProperty("rates").EnumerateArray(), r => Assert.True(r.GetProperty("Ratio").GetDouble() > 0));
        var stage = report.GetProperty("stage");
        Assert.Equal(480, stage.GetProperty("Frames").GetInt64());
        Assert.Equal(0, stage.GetProperty("Refused").GetInt64());
        Assert.True(stage.GetProperty("CountedPeak").GetInt64() <= 256 * 1024);
        // Every policy fired in the running stage, and the questions were answered while it ingested.
        Assert.True(stage.GetProperty("QuantizedBlocks").GetInt64() > 0, stage.ToString());
        Assert.True(stage.GetProperty("OffloadedBytes").GetInt64() > 0, stage.ToString());
        Assert.True(stage.GetProperty("EvictedTokens").GetInt64() > 0, stage.ToString());
        Assert.Equal(2, stage.GetProperty("Answers").GetInt32());
        Assert.True(stage.GetProperty("TokensHeldMax").GetInt32() < stage.GetProperty("EveryVisualToken").GetInt64());
        Assert.True(stage.GetProperty("Samples").GetArrayLength() >= 8);
        using var plot = OpenCvSharp.Cv2.ImRead(Path.Combine(_dir.Path, "videollm-memory.png"));
        Assert.Equal(900, plot.Width);
        Assert.Contains("| frames appended to the memory |", run.Output);
        Assert.Contains("answer latency p50 / p99 while ingesting", run.Output);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir.Path, "videollm-offload"), "*.kv", SearchOption.AllDirectories));
    }

    private JsonElement Report(string name) => JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, name + ".json"))).RootElement;

    [Fact]
    public async Task Live_overload_benchmark_offers_more_than_the_stage_takes_and_plots_frame_age()
    {
        var run = await BenchRun.InvokeAsync("live", "--clip", SharedData.CarClip, "--model", "road_segmentation_adas_0001", "--models-dir", SharedData.Models, "--seconds", "5", "--out", _dir.Path);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var report = Report("live-overload");
        var offered = report.GetProperty("Offered").GetInt64();
        var processed = report.GetProperty("Processed").GetInt64();
        Assert.True(processed > 0 && report.GetProperty("Delivered").GetInt64() > 0);
        Assert.True(report.GetProperty("Dropped").GetInt64() > 0, "a camera twice as fast as the stage must lose frames to it");
        Assert.InRange(offered - processed - report.GetProperty("Dropped").GetInt64(), 0, 3); // at most the frames in flight
        Assert.True(report.GetProperty("Windows").GetArrayLength() > 0);
        Assert.True(report.GetProperty("P99Ms").GetDouble() >= report.GetProperty("P50Ms").GetDouble());
        using var plot = OpenCvSharp.Cv2.ImRead(Path.Combine(_dir.Path, "live-overload.png"));
        Assert.Equal(900, plot.Width);
        Assert.Contains("| p99 ÷ service time (goal ≤ 1.5) |", run.Output);
    }

    [Fact]
    public async Task Scaling_benchmark_runs_each_camera_count_and_sees_every_camera()
    {
        var run = await BenchRun.InvokeAsync("scaling", "--clip", SharedData.CarClip, "--cameras", "1", "2", "--seconds", "4", "--out", _dir.Path);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var steps = Report("scaling").GetProperty("Steps").EnumerateArray().ToList();
        Assert.Equal([1, 2], steps.Select(s => s.GetProperty("Cameras").GetInt32()));
        // The clip is 12.5 fps: each camera offers about that much, so two offer about twice one.
        var one = steps[0].GetProperty("OfferedFps").GetDouble();
        var two = steps[1].GetProperty("OfferedFps").GetDouble();
        Assert.InRange(one, 8, 14);
        Assert.InRange(two / one, 1.5, 2.5);
        Assert.All(steps, s => Assert.True(s.GetProperty("ProcessedFps").GetDouble() > 0 && s.GetProperty("WorstAgeP99Ms").GetDouble() > 0));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "scaling-throughput.png")) && File.Exists(Path.Combine(_dir.Path, "scaling-age.png")));
    }

    [Fact]
    public async Task Soak_benchmark_runs_every_stage_and_samples_memory()
    {
        var run = await BenchRun.InvokeAsync("soak", "--source", SharedData.CarClip, "--minutes", "0.15", "--models-dir", SharedData.Models, "--out", _dir.Path);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var report = Report("soak");
        var stages = report.GetProperty("Stages").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Equal(["segmentation", "detection", "depth", "flow", "semdepth", "body", "videollm", "events"], stages);
        Assert.All(report.GetProperty("ProcessedPerStage").EnumerateObject(), p => Assert.True(p.Value.GetInt64() > 0, p.Name));
        Assert.True(report.GetProperty("Samples").GetArrayLength() >= 5);
        Assert.All(report.GetProperty("Memory").EnumerateArray(), m => Assert.True(m.GetProperty("Median").GetInt64() > 0));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "soak-memory.png")));
    }

    [Fact]
    public async Task Peer_benchmark_runs_the_python_job_and_ours_on_every_frame_of_the_clip()
    {
        var run = await BenchRun.InvokeAsync("peer", "--clip", SharedData.CarClip, "--repeat", "1", "--out", _dir.Path);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var report = Report("peer");
        var ours = report.GetProperty("Ours");
        var peer = report.GetProperty("Peer");
        // What each job published is exact; what the subscriber got is at QoS 1 and from a
        // subscription made before either job started, so it must be all of it.
        Assert.Equal(377, ours.GetProperty("Sent").GetInt64());
        Assert.Equal(377, peer.GetProperty("Sent").GetInt64());
        Assert.Equal(377, ours.GetProperty("Frames").GetInt64());
        Assert.Equal(377, peer.GetProperty("Frames").GetInt64());
        Assert.Equal(ours.GetProperty("Fps").GetDouble() / peer.GetProperty("Fps").GetDouble(), report.GetProperty("ThroughputRatio").GetDouble(), 6);
        Assert.Contains("throughput ours ÷ peer:", run.Output);
    }

    [Fact]
    public async Task Peer_benchmark_names_the_fix_when_the_python_is_missing()
    {
        var run = await BenchRun.InvokeAsync("peer", "--clip", SharedData.CarClip, "--repeat", "1", "--python", "/nonexistent/python3", "--out", _dir.Path);

        Assert.NotEqual(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("python3-opencv", run.Error);
    }

    [Fact]
    public async Task Micro_benchmarks_run_each_case_with_its_baseline()
    {
        var run = await BenchRun.InvokeAsync("micro", "--clip", SharedData.CarClip, "--dry", "--out", _dir.Path);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        Assert.Contains("micro-benchmarks: 18 cases", run.Output); // tracking: 2 methods × 3 object counts
        var reports = Directory.GetFiles(Path.Combine(_dir.Path, "results"), "*-report-github.md");
        Assert.Equal(4, reports.Length); // one per class, each ratio against its own baseline
        var table = string.Concat(reports.Select(File.ReadAllText));
        Assert.Contains("StreamVision TensorPreprocessor", table);
        Assert.Contains("built-in DIS", table);
        Assert.Contains("CalibQuant quantise + pack", table);
        Assert.Contains("TrackAndEvents", table);
    }

    public void Dispose() => _dir.Dispose();
}
