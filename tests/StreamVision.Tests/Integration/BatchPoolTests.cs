using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class BatchPoolTests : IDisposable
{
    private readonly TempDir _out = new();

    [Fact]
    public async Task After_a_batch_run_every_pooled_frame_is_back_and_results_equal_frames()
    {
        var config = ConfigLoader.Default();
        using var loggers = TestLogging.Quiet();
        var job = new BatchJob(config, _out.Path, loggers);

        var reports = await job.RunAsync([SharedData.CarClip], null, null, CancellationToken.None);

        var report = Assert.Single(reports);
        Assert.Null(report.Error);
        Assert.Equal(377, report.Frames);
        Assert.Equal(377, report.Results);
        Assert.Equal(0, report.PoolOutstandingAfterRun);
    }

    public void Dispose() => _out.Dispose();
}
