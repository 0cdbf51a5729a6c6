using StreamVision.Pipelines.Depth;

namespace StreamVision.Tests.Unit;

public class DepthMedianTests
{
    [Fact]
    public void Selection_median_equals_the_sorted_median_for_odd_even_and_repeated_values()
    {
        var random = new Random(11);
        foreach (var length in new[] { 1, 2, 3, 10, 101, 1000, 4097 })
        {
            var values = Enumerable.Range(0, length).Select(_ => (float)Math.Round(random.NextDouble() * 20)).ToArray();
            var sorted = values.Order().ToArray();
            var expected = length % 2 == 1 ? sorted[length / 2] : (sorted[length / 2 - 1] + sorted[length / 2]) / 2;
            Assert.Equal(expected, DepthDecoder.Median(values.AsSpan()));
        }
    }
}
