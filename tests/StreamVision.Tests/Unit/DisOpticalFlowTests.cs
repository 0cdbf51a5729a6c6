using OpenCvSharp;
using StreamVision.Pipelines.Flow;

namespace StreamVision.Tests.Unit;

/// <summary>Dense Inverse Search on a textured picture moved by a known amount.</summary>
public sealed class DisOpticalFlowTests
{
    /// <summary>Random texture with detail at several scales, like a natural scene: every pyramid
    /// level has structure to lock on (DIS, like every gradient method, needs it).</summary>
    private static Mat Texture(int width, int height)
    {
        using var sum = new Mat(height, width, MatType.CV_32FC1, Scalar.All(0));
        var random = new Random(7);
        foreach (var cell in new[] { 32, 16, 8 })
        {
            using var noise = new Mat(height / cell + 1, width / cell + 1, MatType.CV_32FC1);
            noise.SetArray(Enumerable.Range(0, noise.Rows * noise.Cols).Select(_ => (float)(random.NextDouble() * 255)).ToArray());
            using var layer = new Mat();
            Cv2.Resize(noise, layer, new Size(width, height), 0, 0, InterpolationFlags.Cubic);
            Cv2.AddWeighted(sum, 1, layer, 1.0 / 3, 0, sum);
        }
        var texture = new Mat();
        sum.ConvertTo(texture, MatType.CV_8UC1);
        return texture;
    }

    private static Mat Shift(Mat image, double dx, double dy)
    {
        using var m = new Mat(2, 3, MatType.CV_64FC1);
        m.Set(0, 0, 1.0); m.Set(0, 1, 0.0); m.Set(0, 2, dx);
        m.Set(1, 0, 0.0); m.Set(1, 1, 1.0); m.Set(1, 2, dy);
        var shifted = new Mat();
        Cv2.WarpAffine(image, shifted, m, image.Size(), InterpolationFlags.Linear, BorderTypes.Reflect);
        return shifted;
    }

    [Theory]
    [InlineData(FlowPreset.Ultrafast, 3.0, -2.0)]
    [InlineData(FlowPreset.Fast, 3.0, -2.0)]
    [InlineData(FlowPreset.Medium, 3.0, -2.0)]
    [InlineData(FlowPreset.Fast, -7.5, 4.25)]
    [InlineData(FlowPreset.Medium, 12.0, 0.0)]
    public void A_moved_texture_gives_its_motion_everywhere_inside(FlowPreset preset, double dx, double dy)
    {
        using var first = Texture(320, 192);
        using var second = Shift(first, dx, dy);
        using var dis = new DisOpticalFlow(preset);
        using var field = new Mat();
        dis.Calc(first, second, field, usePreviousField: false);

        Assert.Equal((320, 192), (field.Width, field.Height));
        double sumX = 0, sumY = 0, worst = 0;
        var count = 0;
        for (var y = 24; y < 192 - 24; y += 2)
        {
            for (var x = 24; x < 320 - 24; x += 2)
            {
                var v = field.At<Vec2f>(y, x);
                sumX += v.Item0;
                sumY += v.Item1;
                worst = Math.Max(worst, Math.Abs(v.Item0 - dx) + Math.Abs(v.Item1 - dy));
                count++;
            }
        }
        Assert.Equal(dx, sumX / count, 0.15);
        Assert.Equal(dy, sumY / count, 0.15);
        Assert.True(worst < 1.5, $"worst interior error {worst:0.00} px");
    }

    [Fact]
    public void The_previous_field_seeds_the_next_frame()
    {
        using var a = Texture(320, 192);
        using var b = Shift(a, 20, 0);
        using var c = Shift(b, 20, 0);
        using var dis = new DisOpticalFlow(FlowPreset.Ultrafast);
        using var field = new Mat();
        dis.Calc(a, b, field, usePreviousField: false);
        dis.Calc(b, c, field, usePreviousField: true);
        Assert.Equal(20, field.At<Vec2f>(96, 160).Item0, 0.5);
    }

    [Fact]
    public void Identical_frames_have_no_motion()
    {
        using var a = Texture(160, 96);
        using var dis = new DisOpticalFlow(FlowPreset.Medium);
        using var field = new Mat();
        dis.Calc(a, a, field, usePreviousField: false);
        Cv2.MinMaxLoc(field.Reshape(1), out double min, out double max);
        Assert.InRange(min, -0.01, 0.01);
        Assert.InRange(max, -0.01, 0.01);
    }
}
