using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

/// <summary>A resumed batch cuts the event and review lines of the frames it computes again, so none is written twice.</summary>
public sealed class BatchResumeLogTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public void Event_lines_from_the_resume_frame_on_are_cut_and_a_partial_line_goes()
    {
        var folder = Path.Combine(_dir.Path, "clip");
        Directory.CreateDirectory(folder);
        // Frames 0..4 done by every stage (one line each); events written for frames 1, 3 and 6 (beyond), and a torn line.
        File.WriteAllLines(Path.Combine(folder, "detection.jsonl"), Enumerable.Range(0, 5).Select(i => $"{{\"seq\":{i}}}"));
        File.WriteAllLines(Path.Combine(folder, "events.jsonl"), Enumerable.Range(0, 7).Select(i => $"{{\"seq\":{i}}}"));
        File.WriteAllText(Path.Combine(folder, "event-log.jsonl"), "{\"type\":\"new\",\"seq\":1}\n{\"type\":\"end\",\"seq\":3}\n{\"type\":\"new\",\"seq\":6}\n{\"type\":\"up");

        var resumeAt = BatchResume.Prepare(folder, ["detection.jsonl", "events.jsonl"], ["event-log.jsonl", "reviews.jsonl"]);

        Assert.Equal(5, resumeAt);
        Assert.Equal(["{\"type\":\"new\",\"seq\":1}", "{\"type\":\"end\",\"seq\":3}"], File.ReadAllLines(Path.Combine(folder, "event-log.jsonl")));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(folder, "events.jsonl")).Length);
        Assert.False(File.Exists(Path.Combine(folder, "reviews.jsonl")));
    }

    public void Dispose() => _dir.Dispose();
}
