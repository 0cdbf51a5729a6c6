using System.Diagnostics;
using System.Text.Json;
using StreamVision.Host.Cli;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class BatchResumeTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static string[] BatchArgs(string output) =>
        ["batch", SharedData.PersonClip, "--out", output, "--model", "selfie_segmentation", "--models-dir", SharedData.Models];

    private static List<JsonElement> Lines(string output) => File.ReadAllLines(Path.Combine(output, "one-by-one-person-detection", "segmentation.jsonl"))
        .Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task A_batch_killed_halfway_and_rerun_equals_an_uninterrupted_run()
    {
        var interrupted = Path.Combine(_dir.Path, "interrupted");
        var jsonl = Path.Combine(interrupted, "one-by-one-person-detection", "segmentation.jsonl");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "streamvision.dll"));
        foreach (var a in BatchArgs(interrupted))
        {
            start.ArgumentList.Add(a);
        }
        using (var process = Process.Start(start)!)
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && (!File.Exists(jsonl) || File.ReadAllLines(jsonl).Length < 500))
            {
                await Task.Delay(50);
            }
            process.Kill(entireProcessTree: true); // SIGKILL: no chance to tidy up
            await process.WaitForExitAsync();
        }
        var before = File.ReadAllLines(jsonl).Length;
        Assert.InRange(before, 500, 1393);

        var resumed = await CliRun.InvokeAsync(BatchArgs(interrupted));
        Assert.Equal(ExitCodes.Ok, resumed.ExitCode);
        Assert.Contains("resumed at frame", resumed.Output);

        var reference = Path.Combine(_dir.Path, "reference");
        Assert.Equal(ExitCodes.Ok, (await CliRun.InvokeAsync(BatchArgs(reference))).ExitCode);

        var got = Lines(interrupted);
        var want = Lines(reference);
        Assert.Equal(1394, got.Count);
        Assert.Equal(Enumerable.Range(0, 1394).Select(i => (long)i), got.Select(l => l.GetProperty("seq").GetInt64()));
        for (var i = 0; i < want.Count; i++)
        {
            Assert.Equal(want[i].GetProperty("pts").GetDouble(), got[i].GetProperty("pts").GetDouble());
            Assert.Equal(want[i].GetProperty("classes")[1].GetProperty("fraction").GetDouble(), got[i].GetProperty("classes")[1].GetProperty("fraction").GetDouble(), 1e-6);
        }
        var masks = Directory.GetFiles(Path.Combine(interrupted, "one-by-one-person-detection", "segmentation"), "*.png");
        Assert.Equal(1394, masks.Length);

        var again = await CliRun.InvokeAsync(BatchArgs(interrupted));
        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.Contains("already done, skipped", again.Output);
        Assert.Equal(1394, Lines(interrupted).Count);
    }

    public void Dispose() => _dir.Dispose();
}
