using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Tests.Unit;

public class YoloxDecoderTests
{
    // A tiny YOLOX-shaped contract: 32x32 input, strides 8 and 16 → 16 + 4 = 20 anchors, 2 classes.
    private static ModelManifest Manifest() => new()
    {
        Id = "tiny",
        Task = "detection",
        Input = new InputTensorSpec { Name = "images", Shape = [1, 3, 32, 32], Layout = TensorLayout.Nchw, ColorOrder = ColorOrder.Bgr, Resize = ResizeMode.Letterbox, PadValue = 114 },
        Output = new OutputTensorSpec { Name = "output", Shape = [1, 20, 7], Meaning = OutputMeaning.YoloxGrid, Strides = [8, 16] },
        Classes = [new ClassSpec { Name = "person" }, new ClassSpec { Name = "car" }],
    };

    private static void SetAnchor(float[] output, int anchor, float x, float y, float logW, float logH, float objectness, float person, float car)
    {
        float[] values = [x, y, logW, logH, objectness, person, car];
        values.CopyTo(output, anchor * 7);
    }

    [Fact]
    public void Grid_cell_offsets_and_log_sizes_decode_to_frame_boxes_through_the_letterbox_scale()
    {
        var output = new float[20 * 7];
        // Anchor 5 = stride 8, row 1, col 1: centre ((0.5 + 1) * 8, (0.5 + 1) * 8) = (12, 12); size exp(0) * 8 = 8.
        SetAnchor(output, 5, 0.5f, 0.5f, 0, 0, 0.9f, 0.8f, 0.1f);
        // Anchor 16 + 3 = stride 16, row 1, col 1: centre (24, 24), size exp(ln 2) * 16 = 32 → clamped to the frame.
        SetAnchor(output, 19, 0.5f, 0.5f, MathF.Log(2), MathF.Log(2), 0.5f, 0.1f, 0.9f);

        var detections = new YoloxDecoder(Manifest()).Decode(output, scale: 0.5, frameWidth: 64, frameHeight: 64, scoreThreshold: 0.3f, nmsIou: 0.45f, wanted: null);

        Assert.Equal(2, detections.Count);
        var person = detections.Single(d => d.ClassName == "person");
        Assert.Equal(0.72f, person.Score, 4);
        Assert.Equal((16f, 16f, 16f, 16f), (person.X, person.Y, person.Width, person.Height)); // (12-4)/0.5 … size 8/0.5
        var car = detections.Single(d => d.ClassName == "car");
        Assert.Equal(0.45f, car.Score, 4);
        Assert.Equal((16f, 16f, 64f - 16f, 64f - 16f), (car.X, car.Y, car.Width, car.Height)); // (24-16)/0.5 = 16 … clamped at 64
    }

    [Fact]
    public void Scores_below_the_threshold_and_unwanted_classes_are_dropped()
    {
        var output = new float[20 * 7];
        SetAnchor(output, 0, 0.5f, 0.5f, 0, 0, 0.5f, 0.5f, 0); // 0.25 < 0.3
        SetAnchor(output, 1, 0.5f, 0.5f, 0, 0, 0.9f, 0, 0.9f); // a car
        var decoder = new YoloxDecoder(Manifest());
        Assert.Empty(decoder.Decode(output, 1, 32, 32, 0.3f, 0.45f, wanted: new HashSet<int> { 0 }));
        Assert.Single(decoder.Decode(output, 1, 32, 32, 0.3f, 0.45f, wanted: null));
    }

    [Fact]
    public void Nms_keeps_the_best_of_overlapping_same_class_boxes_and_keeps_other_classes()
    {
        List<Detection> boxes =
        [
            new(0, "person", 0.6f, 0, 0, 10, 10),
            new(0, "person", 0.9f, 1, 1, 10, 10),
            new(0, "person", 0.8f, 50, 50, 10, 10),
            new(1, "car", 0.7f, 1, 1, 10, 10),
        ];
        var kept = YoloxDecoder.NonMaximumSuppression(boxes, 0.45f);
        Assert.Equal([0.9f, 0.8f, 0.7f], kept.Select(k => k.Score));
    }

    [Fact]
    public void Letterbox_scales_by_one_factor_keeps_the_top_left_and_pads_the_rest()
    {
        // A 4x2 white frame into an 8x8 letterboxed tensor: factor 2, content 8x4, rows 4..7 padded.
        var spec = new InputTensorSpec { Name = "x", Shape = [1, 3, 8, 8], Layout = TensorLayout.Nchw, ColorOrder = ColorOrder.Bgr, Resize = ResizeMode.Letterbox, PadValue = 114 };
        var frame = Enumerable.Repeat((byte)255, 4 * 2 * 3).ToArray();
        var tensor = new float[3 * 64];
        var pre = new TensorPreprocessor(spec);
        pre.Run(frame, 4, 2, 12, tensor);
        Assert.Equal(2.0, pre.Scale);
        Assert.All(tensor[..32], v => Assert.Equal(255f, v));   // channel 0, rows 0..3
        Assert.All(tensor[32..64], v => Assert.Equal(114f, v)); // channel 0, rows 4..7
    }
}
