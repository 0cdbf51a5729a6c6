using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

/// <summary>
/// The VideoLLM's memory promise held by the running stage, not by the cache class alone: an hour of
/// stream (a synthetic camera at 2 fps read as fast as the stage takes it, the generated reference
/// VLM), every frame kept as visual tokens (window of an hour) under a budget far smaller than that
/// needs, questions asked along the way. What every account holds stays within the camera's budget,
/// and the process's resident memory, read from the OS, grows by no more than that budget plus a
/// stated fixed cost.
/// </summary>
[Trait("Category", "Slow")]
public sealed class VideoLlmMemoryTests
{
    private const double BudgetMb = 8;

    /// <summary>What the process may grow by beyond the budget: the managed heap's slack between
    /// collections and ONNX Runtime's arena for a run's outputs (the present keys and values of the
    /// whole past, float32). Stated in docs/VIDEOLLM.md.</summary>
    private const double FixedCostMb = 48;

    [Fact]
    public async Task An_hour_of_stream_stays_within_the_budget_counted_and_as_the_os_sees_it()
    {
        const int frames = 7200; // one hour at 2 fps
        var config = new ServiceConfig
        {
            Cameras = { new CameraConfig { Id = "cam", Url = $"synthetic://p?width=64&height=48&fps=2&frames={frames}", Realtime = false } },
            Stages =
            {
                Segmentation = { Enabled = false },
                Narration = { Enabled = true, IngestFps = 2, NarrationIntervalSeconds = 600, VisualWindowSeconds = 3600, CameraBudgetMb = BudgetMb, TotalBudgetMb = BudgetMb, MaxTokens = 16 },
            },
            Mqtt = { Port = FreePort.Next(), Prefix = "m", StatsIntervalSeconds = 0 },
            Http = { Enabled = false },
            SummaryIntervalSeconds = 0,
        };
        using var loggers = TestLogging.Quiet();
        await using var host = await ServiceHost.StartAsync(config, loggers, CancellationToken.None);
        var videollm = host.VideoLlm!;
        var memory = videollm.MemoryOf("cam")!;
        var budget = (long)(BudgetMb * 1024 * 1024);

        // Warm-up: the first minutes, then the baseline the growth is measured from.
        while (videollm.IngestedFrames("cam") < 600 && !host.Completion.IsCompleted)
        {
            await Task.Delay(50);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var rssBaseline = ResidentBytes();
        long rssMax = rssBaseline, heldMax = 0, pastMax = 0;
        var answers = 0;
        var asked = 0L;
        while (!host.Completion.IsCompleted)
        {
            var ingested = videollm.IngestedFrames("cam");
            if (ingested / 1200 > asked)
            {
                asked = ingested / 1200;
                videollm.Ask("cam", "What happened so far?", _ => Interlocked.Increment(ref answers));
            }
            heldMax = Math.Max(heldMax, memory.Camera.Held);
            pastMax = Math.Max(pastMax, memory.Past.Held);
            rssMax = Math.Max(rssMax, ResidentBytes());
            await Task.Delay(20);
        }
        var cache = videollm.CacheOf("cam")!;

        Assert.Equal(frames, videollm.IngestedFrames("cam") + videollm.RefusalsOf("cam").Count);
        Assert.True(videollm.RefusalsOf("cam").Count == 0, videollm.RefusalsOf("cam").Last);
        Assert.True(memory.Camera.Peak <= budget, $"peak {memory.Camera.Peak:N0} of {budget:N0}");
        Assert.True(heldMax <= budget);
        Assert.Equal(memory.Camera.Held, memory.Accounts.Sum(a => a.Bytes));
        Assert.Equal(cache.CountHeldBytes(), memory.Cache.Held);
        Assert.True(pastMax > 0, "the decoder's past is counted");
        // Every policy the stage has without offload fired.
        Assert.True(cache.QuantizedBlocks > 0 && cache.EvictedTokens > 0, $"quantised {cache.QuantizedBlocks} blocks, evicted {cache.EvictedTokens} tokens");
        Assert.True(answers >= 3, $"{answers} answers");
        var growth = rssMax - rssBaseline;
        Assert.True(growth <= budget + (long)(FixedCostMb * 1024 * 1024),
            $"resident memory grew by {growth / 1048576.0:0.0} MiB; the budget is {BudgetMb} MiB and the stated fixed cost {FixedCostMb} MiB");
    }

    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }
}
