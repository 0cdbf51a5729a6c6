using StreamVision.Cache.Kv;

namespace StreamVision.Tests.Unit;

/// <summary>CalibQuant's clip factors searched on observed data, not fixed: on a skewed distribution
/// (heavy-tailed channels with outliers, as real keys have) the calibrated factors quantise with a
/// lower attention-output error than the fixed constants.</summary>
public sealed class ClipCalibrationTests
{
    private const int Dim = 16;

    /// <summary>Keys with a heavy right tail (log-normal) and a few large outlier tokens per channel;
    /// values Gaussian.</summary>
    private static (float[] Keys, float[] Values) Skewed(int tokens, int seed)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var keys = new float[tokens * Dim];
        var values = new float[tokens * Dim];
        for (var t = 0; t < tokens; t++)
        {
            for (var c = 0; c < Dim; c++)
            {
                keys[t * Dim + c] = (float)(0.3 * Math.Exp(0.9 * Gaussian()) * (c % 4 == 0 ? 3 : 1) + (random.NextDouble() < 0.02 ? 4 : 0));
                values[t * Dim + c] = (float)Gaussian();
            }
        }
        return (keys, values);
    }

    [Fact]
    public void Calibrated_factors_beat_the_fixed_constants_on_held_out_skewed_keys()
    {
        var calibration = Enumerable.Range(0, 8).Select(i => Skewed(64, 100 + i)).ToList();
        var heldOut = Enumerable.Range(0, 8).Select(i => Skewed(64, 200 + i)).ToList();
        var factors = ClipCalibration.Calibrate(calibration, Dim, [8, 4, 2, 1]);

        foreach (var bits in new[] { 4, 2, 1 })
        {
            var fixedError = ClipCalibration.Error(heldOut, Dim, bits, QuantizedMatrix.CalibratedClip(bits));
            var calibratedError = ClipCalibration.Error(heldOut, Dim, bits, factors[bits]);
            Assert.True(calibratedError <= fixedError * 1.02, $"{bits} bits: calibrated {factors[bits]:0.00} → {calibratedError:P2}, fixed {QuantizedMatrix.CalibratedClip(bits):0.00} → {fixedError:P2}");
        }
        // At the low bit widths, where the clip matters most, strictly better.
        Assert.True(ClipCalibration.Error(heldOut, Dim, 2, factors[2]) < ClipCalibration.Error(heldOut, Dim, 2, QuantizedMatrix.CalibratedClip(2)));
        Assert.True(ClipCalibration.Error(heldOut, Dim, 1, factors[1]) < ClipCalibration.Error(heldOut, Dim, 1, QuantizedMatrix.CalibratedClip(1)));
    }

    [Fact]
    public void The_cache_calibrates_once_on_its_first_visual_tokens_and_quantises_with_those_factors()
    {
        var layout = new KvLayout(1, 1, Dim);
        var options = new StreamVision.Cache.Multimodal.CacheOptions(TimeSpan.FromHours(1), 8, Dim, layout) { CalibrationTokens = 32 };
        using var cache = new StreamVision.Cache.Multimodal.MultimodalCache(options, new StreamVision.Cache.ByteBudget("camera", 1 << 20), new StreamVision.Cache.Multimodal.StructuredVerbalizer(), _ => 1);
        for (var i = 0; i < 6; i++)
        {
            var (keys, values) = Skewed(8, 300 + i);
            cache.AppendFrame(i, StreamVision.Cache.Multimodal.FrameFacts.None, new KvBlock(layout, TokenKind.Visual, Enumerable.Range(8 * i, 8).Select(p => (long)p).ToList(), [keys, values]));
            Assert.Equal(i >= 3, cache.ClipFactors is not null); // 32 tokens after the fourth frame
        }
        Assert.Equal([8, 4, 2, 1], cache.ClipFactors!.Keys.Order().Reverse());
        Assert.All(cache.ClipFactors!, f => Assert.Equal(f.Value, cache.ClipFor(f.Key)));
    }
}
