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
        var run = await CliRun.InvokeAsync("bench", "decode", "--clip", SharedData.CarClip, "--threads", "1", "--repeat", "1", "--json", json);

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
        var run = await CliRun.InvokeAsync("bench", "limit", "--clip", SharedData.CarClip, "--repeat", "1", "--json", json);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var report = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(377, report.GetProperty("Frames").GetInt64());
        var fps = report.GetProperty("Measurements").EnumerateArray().Select(m => m.GetProperty("FramesPerSecond").GetDouble()).ToList();
        Assert.Equal(3, fps.Count);
        Assert.All(fps, f => Assert.True(f > 0));
        Assert.Equal(fps[2] / Math.Min(fps[0], fps[1]), report.GetProperty("Efficiency").GetDouble(), 6);
        Assert.Contains("pipeline / slowest part:", run.Output);
    }

    [Fact]
    public async Task VideoLlm_benchmark_measures_rates_against_baselines_and_plots_memory()
    {
        var run = await CliRun.InvokeAsync("bench", "videollm", "--frames", "8", "--tokens", "4", "--minutes", "2", "--out", _dir.Path);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "videollm.json"))).RootElement;
        Assert.Equal(2, report.GetProperty("rates").GetArrayLength());
        Assert.All(report.GetProperty("rates").EnumerateArray(), r => Assert.True(r.GetProperty("Ratio").GetDouble() > 0));
        var curves = report.GetProperty("memory").EnumerateArray().ToList();
        Assert.Equal(3, curves.Count);
        long Last(int i) => curves[i].GetProperty("points").EnumerateArray().Last().GetProperty("bytes").GetInt64();
        Assert.True(Last(0) > Last(1) && Last(1) >= Last(2), "keeping everything holds most, the budget least");
        using var plot = OpenCvSharp.Cv2.ImRead(Path.Combine(_dir.Path, "videollm-memory.png"));
        Assert.Equal(900, plot.Width);
        Assert.Contains("| frames appended to the memory |", run.Output);
    }

    public void Dispose() => _dir.Dispose();
}
