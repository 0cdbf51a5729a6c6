using YamlDotNet.Serialization;

namespace StreamVision.Pipelines.Models;

/// <summary>
/// What a model file is and how to feed and read it: written next to the model as YAML and checked
/// against the ONNX graph when the model loads. Keys are snake_case in the file.
/// </summary>
public sealed class ModelManifest
{
    /// <summary>Stable name of the model; every result carries it.</summary>
    public string Id { get; set; } = "";

    /// <summary>What the model does: <c>segmentation</c>, <c>detection</c>, <c>depth</c>, <c>flow</c>,
    /// <c>semdepth</c> (one model, two heads) or <c>body</c> (human body parameters).</summary>
    public string Task { get; set; } = "";

    /// <summary>The ONNX file, relative to the manifest's folder or to a model search path.</summary>
    public string File { get; set; } = "";

    public string Description { get; set; } = "";

    public ModelProvenance Provenance { get; set; } = new();

    public InputTensorSpec Input { get; set; } = new();

    public OutputTensorSpec Output { get; set; } = new();

    /// <summary>Further output heads, each named by its <c>role</c>: <c>depth</c> for a joint
    /// segmentation + depth model; <c>rotmats</c>, <c>betas</c>, <c>translation</c>, <c>expression</c>,
    /// <c>camera_pose</c> for a body model.</summary>
    public List<OutputTensorSpec> Outputs { get; set; } = new();

    /// <summary>Per-frame camera motion and intrinsics the model takes next to the image (Co-SemDepth).</summary>
    public PoseInputsSpec? PoseInputs { get; set; }

    public List<ClassSpec> Classes { get; set; } = new();

    /// <summary>Recurrent state: each pair's output is fed back into its input on the next frame of
    /// the same camera, and zeroed when the camera's stream starts over (reconnect, loop).</summary>
    public List<StatePairSpec> State { get; set; } = new();

    /// <summary>For task <c>videollm</c>: the other files and the decoder's shape (<c>file</c> is the decoder).</summary>
    public VideoLlmSpec? Videollm { get; set; }

    /// <summary>Where the manifest was read from (not part of the file).</summary>
    [YamlIgnore]
    public string SourcePath { get; set; } = "";
}

public sealed class ModelProvenance
{
    public string SourceUrl { get; set; } = "";
    public string License { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public string Notes { get; set; } = "";

    /// <summary>For models made of several files (a VideoLLM): each file with its URL and SHA-256;
    /// <c>models pull</c> fetches them all.</summary>
    public List<ProvidedFile> Files { get; set; } = new();
}

/// <summary>One file of a multi-file model: its path relative to the manifest, where it comes from, its checksum.</summary>
public sealed class ProvidedFile
{
    public string File { get; set; } = "";
    public string Url { get; set; } = "";
    public string Sha256 { get; set; } = "";
}

public enum TensorLayout
{
    Nhwc,
    Nchw,
}

public enum ColorOrder
{
    Rgb,
    Bgr,
}

public enum ElementKind
{
    Float32,
}

/// <summary>How a frame is fitted to the input size.</summary>
public enum ResizeMode
{
    /// <summary>Scale each axis to the input size (aspect ratio not kept).</summary>
    Stretch,

    /// <summary>Scale by one factor to fit, place at the top-left, fill the rest with <c>pad_value</c>
    /// (YOLOX's pre-processing).</summary>
    Letterbox,
}

public sealed class InputTensorSpec
{
    public string Name { get; set; } = "";

    /// <summary>Two-frame models (optical flow): the second input, same shape and pre-processing,
    /// fed the current frame while <see cref="Name"/> gets the previous one.</summary>
    public string? PairName { get; set; }
    public ElementKind ElementType { get; set; } = ElementKind.Float32;

    /// <summary>Full shape including batch, e.g. [1, 256, 256, 3].</summary>
    public List<long> Shape { get; set; } = new();

    public TensorLayout Layout { get; set; } = TensorLayout.Nchw;
    public ColorOrder ColorOrder { get; set; } = ColorOrder.Rgb;

    /// <summary>Applied to the 0..255 pixel first: value = (pixel * scale - mean[c]) / std[c].</summary>
    public double Scale { get; set; } = 1.0;

    public List<double> Mean { get; set; } = new() { 0, 0, 0 };
    public List<double> Std { get; set; } = new() { 1, 1, 1 };

    public ResizeMode Resize { get; set; } = ResizeMode.Stretch;

    /// <summary>Pixel value (0..255, before normalisation) of letterbox padding.</summary>
    public double PadValue { get; set; }

    public int Height => (int)(Layout == TensorLayout.Nhwc ? Shape[1] : Shape[2]);
    public int Width => (int)(Layout == TensorLayout.Nhwc ? Shape[2] : Shape[3]);
    public int Channels => (int)(Layout == TensorLayout.Nhwc ? Shape[3] : Shape[1]);
}

/// <summary>How to read a model's output.</summary>
public enum OutputMeaning
{
    /// <summary>One channel: probability (or logit, with threshold 0) that the pixel is classes[1].</summary>
    ForegroundProbability,

    /// <summary>One channel per class (logits or softmax); the pixel's class is the arg-max.</summary>
    ClassScores,

    /// <summary>Detection, YOLOX layout [1, anchors, 5 + classes]: per anchor point of each stride's
    /// grid x, y (cell offsets), w, h (log-space), objectness, class scores; score = objectness × class.</summary>
    YoloxGrid,

    /// <summary>Depth, one value per pixel ([1,H,W] or [1,1,H,W]): relative inverse depth (bigger is
    /// nearer, no unit; Depth-Anything style).</summary>
    RelativeInverseDepth,

    /// <summary>Depth, one value per pixel: distance, in metres after multiplying by <c>depth_scale</c>.</summary>
    MetricDepth,

    /// <summary>Optical flow [1,2,H,W]: per pixel of the first image, its displacement (dx, dy) in
    /// input pixels to where it is in the second image.</summary>
    OpticalFlow,

    /// <summary>Body model [1,P]: one confidence per person slot (Human3R style); the other heads are
    /// read by role from <c>outputs</c>.</summary>
    PersonScores,
}

public sealed class OutputTensorSpec
{
    /// <summary>For entries of <c>outputs</c>: what the head is (see <see cref="ModelManifest.Outputs"/>).</summary>
    public string Role { get; set; } = "";

    public string Name { get; set; } = "";
    public ElementKind ElementType { get; set; } = ElementKind.Float32;
    public List<long> Shape { get; set; } = new();
    public TensorLayout Layout { get; set; } = TensorLayout.Nchw;
    public OutputMeaning Meaning { get; set; } = OutputMeaning.ClassScores;

    /// <summary>For <see cref="OutputMeaning.ForegroundProbability"/>: above it is foreground.</summary>
    public double Threshold { get; set; } = 0.5;

    /// <summary>For <see cref="OutputMeaning.YoloxGrid"/>: the grid strides, in anchor order.</summary>
    public List<int> Strides { get; set; } = new();

    /// <summary>For <see cref="OutputMeaning.MetricDepth"/>: metres per output unit.</summary>
    public double DepthScale { get; set; } = 1.0;

    /// <summary>Output height and width of a one-channel map: [1,H,W,1] when the layout is NHWC, else
    /// the last two axes ([1,H,W], [1,1,H,W]).</summary>
    public (int Height, int Width) PlaneSize => Layout == TensorLayout.Nhwc && Shape.Count == 4 ? ((int)Shape[1], (int)Shape[2]) : ((int)Shape[^2], (int)Shape[^1]);

    /// <summary>Number of float values in the tensor.</summary>
    public long Length => Shape.Aggregate(1L, (a, b) => a * b);

    public int Height => (int)(Layout == TensorLayout.Nhwc ? Shape[1] : Shape[2]);
    public int Width => (int)(Layout == TensorLayout.Nhwc ? Shape[2] : Shape[3]);
    public int Channels => (int)(Layout == TensorLayout.Nhwc ? Shape[3] : Shape[1]);
}

/// <summary>A graph tensor fed by the service rather than from the image.</summary>
public sealed class TensorRef
{
    public string Name { get; set; } = "";
    public List<long> Shape { get; set; } = new();
}

public sealed class ClassSpec
{
    public string Name { get; set; } = "";

    /// <summary>RGB colour for overlays.</summary>
    public List<int> Color { get; set; } = new() { 0, 0, 0 };
}
