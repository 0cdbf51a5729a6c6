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

    public void Dispose() => _dir.Dispose();
}
