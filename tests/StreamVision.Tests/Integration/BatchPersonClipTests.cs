using System.Text.Json;
using OpenCvSharp;
using StreamVision.Host.Cli;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>The whole clip through the real selfie model in batch mode, via the real command line.</summary>
[Trait("Category", "Slow")]
public sealed class BatchPersonClipTests : IDisposable
{
    private readonly TempDir _out = new();

    // Picked by looking at the clip (ffmpeg select + tile): frames 25 and 210 show the empty room,
    // frames 100 and 1000 show one person standing at the table.
    private static readonly long[] EmptyRoomFrames = [25, 210];
    private static readonly long[] PersonFrames = [100, 1000];

    [Fact]
    public async Task Batch_yields_one_result_per_decoded_frame_and_finds_the_person()
    {
        var run = await CliRun.InvokeAsync("batch", SharedData.PersonClip, "--out", _out.Path, "--model", "selfie_segmentation", "--models-dir", SharedData.Models);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error + run.Output);
        var dir = Path.Combine(_out.Path, "one-by-one-person-detection");
        var lines = File.ReadAllLines(Path.Combine(dir, "segmentation.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(1394, lines.Count);
        Assert.Equal(Enumerable.Range(0, 1394).Select(i => (long)i), lines.Select(l => l.GetProperty("seq").GetInt64()));
        Assert.All(lines, l => Assert.Equal("selfie_segmentation", l.GetProperty("model").GetString()));
        Assert.Equal(1394, Directory.GetFiles(Path.Combine(dir, "segmentation"), "*.png").Length);

        double Person(long seq) => lines[(int)seq].GetProperty("classes")[1].GetProperty("fraction").GetDouble();
        foreach (var empty in EmptyRoomFrames)
        {
            Assert.True(Person(empty) < 0.01, $"frame {empty} shows nobody but has person fraction {Person(empty)}");
        }
        foreach (var person in PersonFrames)
        {
            Assert.True(Person(person) > 0.05, $"frame {person} shows a person but has person fraction {Person(person)}");
            Assert.True(Person(person) > 10 * Person(EmptyRoomFrames[0]) + 0.04);
        }

        using var mask = Cv2.ImRead(Path.Combine(dir, "segmentation", "001000.png"), ImreadModes.Unchanged);
        Assert.Equal((256, 256), (mask.Width, mask.Height));
        Assert.Equal(Person(1000), Cv2.CountNonZero(mask) / (256.0 * 256), 1e-6);
        Assert.Contains("1394", run.Output);
    }

    [Fact]
    public async Task Batch_of_two_files_processes_both_and_reports_each()
    {
        var run = await CliRun.InvokeAsync("batch", SharedData.CarClip, SharedData.CarClip, "--out", _out.Path, "--no-masks");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal(377, File.ReadAllLines(Path.Combine(_out.Path, "car-detection", "segmentation.jsonl")).Length);
        Assert.Equal(377, File.ReadAllLines(Path.Combine(_out.Path, "car-detection-2", "segmentation.jsonl")).Length);
        Assert.False(Directory.Exists(Path.Combine(_out.Path, "car-detection", "segmentation")));
    }

    public void Dispose() => _out.Dispose();
}
