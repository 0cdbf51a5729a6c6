using StreamVision.Pipelines.Graph;

namespace StreamVision.Tests.Unit;

public class DeliveryPolicyTests
{
    [Fact]
    public void Live_and_batch_policies_say_what_they_do()
    {
        Assert.False(DeliveryPolicy.LatestOnly(2).Lossless);
        Assert.True(DeliveryPolicy.Batch().Lossless);
        Assert.Contains("drop oldest", DeliveryPolicy.LatestOnly(2).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => DeliveryPolicy.LatestOnly(0));
    }

    [Fact]
    public void Pool_capacity_covers_every_queue_every_busy_stage_and_the_decoder()
    {
        Assert.Equal(2 * (3 + 1) + 2, Pipeline.PoolCapacityFor(DeliveryPolicy.LatestOnly(3), 2));
    }
}
