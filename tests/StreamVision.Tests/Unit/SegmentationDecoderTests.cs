using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Tests.Unit;

public class SegmentationDecoderTests
{
    [Fact]
    public void Foreground_probability_is_thresholded_into_class_one()
    {
        var spec = new OutputTensorSpec { Shape = [1, 2, 2, 1], Layout = TensorLayout.Nhwc, Meaning = OutputMeaning.ForegroundProbability, Threshold = 0.5 };
        var mask = new byte[4];
        var counts = new long[2];
        new SegmentationDecoder(spec, 2).Decode([0.1f, 0.9f, 0.5f, 0.51f], mask, counts);
        Assert.Equal([0, 1, 0, 1], mask);
        Assert.Equal([2L, 2], counts);
    }

    [Fact]
    public void Class_scores_in_nhwc_take_the_argmax_per_pixel()
    {
        var spec = new OutputTensorSpec { Shape = [1, 1, 3, 3], Layout = TensorLayout.Nhwc, Meaning = OutputMeaning.ClassScores };
        var mask = new byte[3];
        var counts = new long[3];
        new SegmentationDecoder(spec, 3).Decode([5, 1, 0, /**/ 0, 0, 9, /**/ -1, 3, -2], mask, counts);
        Assert.Equal([0, 2, 1], mask);
        Assert.Equal([1L, 1, 1], counts);
    }

    [Fact]
    public void Class_scores_in_nchw_read_one_plane_per_class()
    {
        var spec = new OutputTensorSpec { Shape = [1, 2, 1, 3], Layout = TensorLayout.Nchw, Meaning = OutputMeaning.ClassScores };
        var mask = new byte[3];
        var counts = new long[2];
        // plane 0: 1, 5, 0; plane 1: 2, 4, 7
        new SegmentationDecoder(spec, 2).Decode([1, 5, 0, 2, 4, 7], mask, counts);
        Assert.Equal([1, 0, 1], mask);
        Assert.Equal([1L, 2], counts);
    }
}
