using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Benchmarks.Micro;

/// <summary>A camera frame into a 256×256 RGB float tensor scaled to 0..1 (the selfie model's input):
/// our pre-processor against the OpenCV chain most code uses (resize, colour conversion, convert
/// to float, copy into the tensor).</summary>
[MemoryDiagnoser]
public class PreprocessBenchmarks
{
    private readonly float[] _tensor = new float[256 * 256 * 3];
    private Frame _frame = null!;
    private TensorPreprocessor _ours = null!;

    [GlobalSetup]
    public void Setup()
    {
        _frame = MicroInputs.Take(MicroInputs.First);
        _ours = new TensorPreprocessor(new InputTensorSpec
        {
            Name = "input", Shape = [1, 256, 256, 3], Layout = TensorLayout.Nhwc, ColorOrder = ColorOrder.Rgb, Scale = 1 / 255.0,
        });
    }

    [Benchmark(Baseline = true, Description = "OpenCV: Resize + CvtColor + ConvertTo + copy")]
    public unsafe void OpenCvChain()
    {
        using var resized = new Mat();
        using var rgb = new Mat();
        Cv2.Resize(_frame.Mat, resized, new Size(256, 256), 0, 0, InterpolationFlags.Linear);
        Cv2.CvtColor(resized, rgb, ColorConversionCodes.BGR2RGB);
        fixed (float* tensor = _tensor)
        {
            using var target = Mat.FromPixelData(256, 256, MatType.CV_32FC3, (IntPtr)tensor);
            rgb.ConvertTo(target, MatType.CV_32FC3, 1 / 255.0);
        }
    }

    [Benchmark(Description = "StreamVision TensorPreprocessor")]
    public void TensorPreprocessor() => _ours.Run(_frame, _tensor);

    [GlobalCleanup]
    public void Cleanup() => _ours.Dispose();
}
