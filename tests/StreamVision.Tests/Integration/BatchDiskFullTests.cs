using System.Diagnostics;
using System.Text.Json;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>A batch whose output folder fills up (a real tmpfs of 256 KiB, mounted for the test)
/// stops that video at the first result it cannot write, says so with exit code 5 and the fix, and
/// the same command, once there is room, resumes there: every frame once, no gaps.</summary>
[Trait("Category", "Slow")]
public sealed class BatchDiskFullTests
{
    [Fact]
    public async Task A_full_output_folder_stops_the_batch_clearly_and_a_rerun_resumes_without_duplicates_or_gaps()
    {
        using var dir = new TempDir();
        var mount = Path.Combine(dir.Path, "small");
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount); // the tests run as root (CI, fresh machine)
        try
        {
            var output = Path.Combine(mount, "out");
            var full = await CliRun.InvokeAsync("batch", SharedData.CarClip, "--out", output);
            Assert.Equal(5, full.ExitCode);
            Assert.Contains("No space left on device", full.Error);
            Assert.Contains("run the same command again", full.Error);
            var partial = File.ReadAllLines(Path.Combine(output, "car-detection", "segmentation.jsonl")).Length;
            Assert.InRange(partial, 1, 376);
            Assert.False(File.Exists(Path.Combine(output, "car-detection", ".done.json")), "a video with a gap must not be marked done");

            Run("mount", "-o", "remount,size=64m", mount);
            var resumed = await CliRun.InvokeAsync("batch", SharedData.CarClip, "--out", output);
            Assert.Equal(0, resumed.ExitCode);
            Assert.Contains($"resumed at frame {partial}", resumed.Output);
            var seqs = File.ReadAllLines(Path.Combine(output, "car-detection", "segmentation.jsonl"))
                .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt64()).ToList();
            Assert.Equal(Enumerable.Range(0, 377).Select(i => (long)i), seqs);
            Assert.Equal(377, Directory.GetFiles(Path.Combine(output, "car-detection", "segmentation"), "*.png").Length);
        }
        finally
        {
            Run("umount", "-l", mount);
        }
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} failed ({error.Trim()}); this test mounts a small tmpfs and needs root.");
    }
}
