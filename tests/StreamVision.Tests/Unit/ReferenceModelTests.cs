using StreamVision.Ingest.Decoders;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Models;
using StreamVision.ModelGenerator;
using StreamVision.Pipelines.Segmentation;
using StreamVision.Tests.Support;

namespace StreamVision.Tests.Unit;

public class ReferenceModelTests
{
    public static TheoryData<string> GeneratedModels() => new(ReferenceModelSet.All.Select(m => m.FileName));

    [Theory]
    [MemberData(nameof(GeneratedModels))]
    public void Committed_generated_model_is_exactly_what_its_generator_builds(string fileName)
    {
        var committed = File.ReadAllBytes(Path.Combine(SharedData.ProjectModels, fileName));
        var build = ReferenceModelSet.All.Single(m => m.FileName == fileName).Build;
        Assert.Equal(build(), committed);
        Assert.Equal(build(), build());
    }

    [Fact]
    public void Reference_model_sees_the_synthetic_shapes_in_their_drawn_proportions()
    {
        var manifest = ManifestLoader.Load(Path.Combine(SharedData.ProjectModels, "reference_color_segmentation.yaml"));
        using var factory = new SegmentationStageFactory(OnnxModel.Load(manifest, []));
        using var stage = factory.Create("synthetic");
        using var pool = new FramePool(640, 360, PixelFormat.Bgr24, 1);
        var frame = pool.Rent(CancellationToken.None);
        SyntheticPattern.Draw(frame.Mat, 40);
        using var result = (SegmentationResult)stage.Process(frame)!;
        frame.Release();

        var g = SyntheticPattern.At(40, 640, 360);
        var total = 640.0 * 360;
        var disc = Math.PI * g.DiscRadius * g.DiscRadius / total;
        var square = g.Square.Width * (double)g.Square.Height / total;
        var bar = g.Bar.Width * (double)g.Bar.Height / total;
        Assert.Equal(["background", "red", "green", "blue"], result.ClassNames);
        Assert.Equal(disc, result.ClassFractions[1], 0.01);
        Assert.Equal(square, result.ClassFractions[2], 0.01);
        Assert.Equal(bar, result.ClassFractions[3], 0.01);
        Assert.Equal(1 - disc - square - bar, result.ClassFractions[0], 0.02);
        Assert.Equal("reference_color_segmentation", result.ModelId);
    }
}
