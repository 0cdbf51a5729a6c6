using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Tests.Unit;

public class TensorPreprocessorTests
{
    // A 2x1 BGR image: left pixel (b=10, g=20, r=30), right pixel (b=40, g=50, r=60).
    private static readonly byte[] TwoPixels = [10, 20, 30, 40, 50, 60];

    private static InputTensorSpec Spec(TensorLayout layout, ColorOrder order, double scale = 1, double[]? mean = null, double[]? std = null) => new()
    {
        Name = "x",
        Shape = layout == TensorLayout.Nhwc ? [1, 1, 2, 3] : [1, 3, 1, 2],
        Layout = layout,
        ColorOrder = order,
        Scale = scale,
        Mean = (mean ?? [0, 0, 0]).ToList(),
        Std = (std ?? [1, 1, 1]).ToList(),
    };

    [Fact]
    public void Nhwc_rgb_interleaves_pixels_with_red_first()
    {
        var tensor = new float[6];
        new TensorPreprocessor(Spec(TensorLayout.Nhwc, ColorOrder.Rgb)).Run(TwoPixels, 2, 1, 6, tensor);
        Assert.Equal([30f, 20, 10, 60, 50, 40], tensor);
    }

    [Fact]
    public void Nchw_bgr_writes_one_plane_per_channel_in_frame_order()
    {
        var tensor = new float[6];
        new TensorPreprocessor(Spec(TensorLayout.Nchw, ColorOrder.Bgr)).Run(TwoPixels, 2, 1, 6, tensor);
        Assert.Equal([10f, 40, 20, 50, 30, 60], tensor);
    }

    [Fact]
    public void Normalisation_applies_scale_then_mean_and_std_per_channel()
    {
        var tensor = new float[6];
        var spec = Spec(TensorLayout.Nchw, ColorOrder.Rgb, scale: 1 / 255.0, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2]);
        new TensorPreprocessor(spec).Run(TwoPixels, 2, 1, 6, tensor);
        float[] expected =
        [
            (float)((30 / 255.0 - 0.5) / 0.5), (float)((60 / 255.0 - 0.5) / 0.5),
            (float)((20 / 255.0 - 0.25) / 0.25), (float)((50 / 255.0 - 0.25) / 0.25),
            (float)(10 / 255.0 / 2), (float)(40 / 255.0 / 2),
        ];
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(expected[i], tensor[i], 5);
        }
    }

    [Fact]
    public void Downscaling_by_two_averages_neighbouring_pixels_like_opencv_linear()
    {
        // 4x2 grey ramp (values 0, 40, 80, 120 on each row) to 2x1: half-pixel centres fall midway
        // between source pixels 0,1 and 2,3 → 20 and 100.
        var src = new byte[4 * 2 * 3];
        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 4; x++)
            {
                src.AsSpan((y * 4 + x) * 3, 3).Fill((byte)(x * 40));
            }
        }
        var spec = Spec(TensorLayout.Nhwc, ColorOrder.Rgb);
        var tensor = new float[6];
        new TensorPreprocessor(spec).Run(src, 4, 2, 12, tensor);
        Assert.Equal([20f, 20, 20, 100, 100, 100], tensor);
    }

    [Fact]
    public void Respects_row_stride_padding()
    {
        // One row of 2 pixels stored with 2 padding bytes per row, two rows.
        byte[] src = [1, 1, 1, 2, 2, 2, 99, 99, 3, 3, 3, 4, 4, 4, 99, 99];
        var spec = new InputTensorSpec { Name = "x", Shape = [1, 2, 2, 3], Layout = TensorLayout.Nhwc, ColorOrder = ColorOrder.Bgr };
        var tensor = new float[12];
        new TensorPreprocessor(spec).Run(src, 2, 2, 8, tensor);
        Assert.Equal([1f, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4], tensor);
    }

    [Theory]
    [InlineData(ColorOrder.Rgb, ResizeMode.Stretch)]
    [InlineData(ColorOrder.Bgr, ResizeMode.Letterbox)]
    public void Interleaved_and_planar_layouts_hold_the_same_values(ColorOrder order, ResizeMode resize)
    {
        // NHWC is written eight values at a time, NCHW pixel by pixel: the same image must give the same
        // numbers in both, normalisation, colour order and letterbox padding included.
        var random = new Random(5);
        var image = new byte[97 * 61 * 3];
        random.NextBytes(image);
        InputTensorSpec Spec(TensorLayout layout) => new()
        {
            Name = "x", Shape = layout == TensorLayout.Nhwc ? [1, 40, 52, 3] : [1, 3, 40, 52], Layout = layout, ColorOrder = order,
            Scale = 1 / 255.0, Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225], Resize = resize, PadValue = 114,
        };
        var nhwc = new float[40 * 52 * 3];
        var nchw = new float[40 * 52 * 3];
        using (var pre = new TensorPreprocessor(Spec(TensorLayout.Nhwc)))
        {
            pre.Run(image, 97, 61, 97 * 3, nhwc);
        }
        using (var pre = new TensorPreprocessor(Spec(TensorLayout.Nchw)))
        {
            pre.Run(image, 97, 61, 97 * 3, nchw);
        }
        for (var p = 0; p < 40 * 52; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                // Fused multiply-add rounds once, multiply-then-add twice: a few ulps apart at most.
                Assert.True(Math.Abs(nchw[c * 40 * 52 + p] - nhwc[p * 3 + c]) < 1e-5, $"pixel {p} channel {c}: {nchw[c * 40 * 52 + p]} vs {nhwc[p * 3 + c]}");
            }
        }
    }
}
