using StreamVision.Ingest.Sources;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class FrameSourceTests
{
    private static async Task<List<(long Seq, TimeSpan Pts)>> Collect(SourceOptions options)
    {
        using var source = new FrameSource(options);
        source.Open();
        var seen = new List<(long, TimeSpan)>();
        await source.RunAsync(frame =>
        {
            seen.Add((frame.Sequence, frame.Pts));
            frame.Release();
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        Assert.Equal(0, source.Pool!.Outstanding);
        Assert.True(source.Stats.Damage is null, source.Stats.Damage);
        return seen;
    }

    [Fact]
    public async Task A_looping_file_keeps_sequence_and_presentation_time_increasing_past_its_end()
    {
        var frames = await Collect(new SourceOptions("loop", SharedData.CarClip, Realtime: false, Loop: true, MaxFrames: 500));

        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), frames.Select(f => f.Seq));
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second.Pts > p.First.Pts));
        // 12.5 fps: frame 377 (the first of the second pass) follows frame 376 by one interval.
        Assert.Equal(0.08, (frames[377].Pts - frames[376].Pts).TotalSeconds, 3);
    }

    [Fact]
    public async Task Max_fps_skips_frames_before_the_pipeline_without_using_sequence_numbers()
    {
        var frames = await Collect(new SourceOptions("capped", "synthetic://p?fps=30&frames=90", Realtime: false) { MaxFps = 10 });

        Assert.InRange(frames.Count, 29, 31);
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => (long)i), frames.Select(f => f.Seq));
        Assert.True(frames.Zip(frames.Skip(1)).All(p => (p.Second.Pts - p.First.Pts).TotalSeconds > 0.09));
    }

    [Fact]
    public async Task Skip_frames_resumes_with_the_sequence_numbers_of_the_skipped_frames()
    {
        var frames = await Collect(new SourceOptions("resume", SharedData.CarClip, Realtime: false) { SkipFrames = 300 });

        Assert.Equal(Enumerable.Range(300, 77).Select(i => (long)i), frames.Select(f => f.Seq));
        Assert.Equal(300 * 0.08, frames[0].Pts.TotalSeconds, 3);
    }
}
