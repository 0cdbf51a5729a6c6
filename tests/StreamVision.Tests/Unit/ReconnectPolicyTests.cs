using StreamVision.Ingest.Sources;

namespace StreamVision.Tests.Unit;

public class ReconnectPolicyTests
{
    [Fact]
    public void Delays_double_from_the_initial_delay_up_to_the_cap_within_the_jitter()
    {
        var policy = new ReconnectPolicy { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(8), Jitter = 0.2 };
        var random = new Random(3);
        double[] nominal = [1, 2, 4, 8, 8, 8];
        for (var attempt = 1; attempt <= nominal.Length; attempt++)
        {
            for (var i = 0; i < 50; i++)
            {
                Assert.InRange(policy.DelayFor(attempt, random).TotalSeconds, nominal[attempt - 1] * 0.8, nominal[attempt - 1] * 1.2);
            }
            Assert.Equal(nominal[attempt - 1] * 1.2, policy.MaxDelayFor(attempt).TotalSeconds, 6);
        }
    }

    [Fact]
    public void Jitter_spreads_cameras_that_fail_together()
    {
        var policy = new ReconnectPolicy();
        var random = new Random(5);
        var delays = Enumerable.Range(0, 20).Select(_ => policy.DelayFor(3, random)).Distinct().Count();
        Assert.True(delays > 15);
    }
}
