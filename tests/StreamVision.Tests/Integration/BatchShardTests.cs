using StreamVision.Host.Cli;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary><c>batch --shard K/N</c>: shards of one list of videos, each run on its own, add up to one
/// batch over the list — every video exactly once, resumable per shard.</summary>
[Trait("Category", "Integration")]
public sealed class BatchShardTests
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    public void A_shard_is_k_of_n_counting_from_zero(string text, int index, int count) =>
        Assert.Equal(new BatchShard(index, count), BatchShard.Parse(text));

    [Theory]
    [InlineData("4/4")]
    [InlineData("1/0")]
    [InlineData("-1/4")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public void A_bad_shard_is_refused_with_the_form_to_use(string text) =>
        Assert.Contains("K/N", Assert.Throws<FormatException>(() => BatchShard.Parse(text)).Message);

    [Fact]
    public void Shards_split_any_order_of_the_same_list_into_disjoint_parts_that_cover_it_evenly()
    {
        var videos = Enumerable.Range(0, 10).Select(i => $"/data/v{i:00}.mp4").ToList();
        var shuffled = videos.OrderBy(v => v.GetHashCode()).Concat([videos[3]]).ToList(); // another order, one listed twice
        var parts = Enumerable.Range(0, 3).Select(k => new BatchShard(k, 3).Take(shuffled)).ToList();
        Assert.Equal(videos, parts.SelectMany(p => p).Order(StringComparer.Ordinal));
        Assert.Equal([4, 3, 3], parts.Select(p => p.Count));
        Assert.Equal(new BatchShard(1, 3).Take(videos), parts[1]);
    }

    private static Dictionary<string, int> Results(string output) => Directory.GetDirectories(output)
        .ToDictionary(d => Path.GetFileName(d)!, d => File.ReadAllLines(Path.Combine(d, "segmentation.jsonl")).Length);

    [Fact]
    public async Task Two_shards_over_four_videos_give_what_one_batch_gives_and_each_resumes_alone()
    {
        using var dir = new TempDir();
        string[] videos = [TestClips.Make(dir, "a.mp4", 12), TestClips.Make(dir, "b.mp4", 7), TestClips.Make(dir, "c.mp4", 9), TestClips.Make(dir, "d.mp4", 5)];
        var whole = Path.Combine(dir.Path, "whole");
        var sharded = Path.Combine(dir.Path, "sharded");

        var one = await CliRun.InvokeAsync(["batch", .. videos, "--out", whole, "--no-masks"]);
        Assert.True(one.ExitCode == 0, one.Error + one.Output);
        // The shards get the list in another order, as another pod's glob might.
        var first = await CliRun.InvokeAsync(["batch", .. videos.Reverse(), "--out", sharded, "--no-masks", "--shard", "0/2"]);
        var second = await CliRun.InvokeAsync(["batch", .. videos, "--out", sharded, "--no-masks", "--shard", "1/2"]);
        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.Error + second.Error);
        Assert.Contains("shard 0/2: 2 of 4 videos", first.Output);
        Assert.Contains("shard 1/2: 2 of 4 videos", second.Output);

        Assert.Equal(new Dictionary<string, int> { ["a"] = 12, ["b"] = 7, ["c"] = 9, ["d"] = 5 }, Results(whole));
        Assert.Equal(Results(whole), Results(sharded));
        foreach (var video in Results(whole).Keys)
        {
            Assert.Equal(File.ReadAllLines(Path.Combine(whole, video, "segmentation.jsonl")).Select(Seq), File.ReadAllLines(Path.Combine(sharded, video, "segmentation.jsonl")).Select(Seq));
        }

        // A shard run again finds its videos done and does nothing twice.
        var again = await CliRun.InvokeAsync(["batch", .. videos, "--out", sharded, "--no-masks", "--shard", "0/2"]);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already done, skipped", again.Output);
        Assert.Equal(Results(whole), Results(sharded));

        var bad = await CliRun.InvokeAsync(["batch", .. videos, "--out", sharded, "--shard", "2/2"]);
        Assert.Equal(ExitCodes.Configuration, bad.ExitCode);
        Assert.Contains("--shard '2/2'", bad.Error);
    }

    private static long Seq(string line) => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64();
}
