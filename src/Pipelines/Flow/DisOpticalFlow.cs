using OpenCvSharp;

namespace StreamVision.Pipelines.Flow;

/// <summary>
/// Dense Inverse Search optical flow (Kroeger, Timofte, Dai, Van Gool, ECCV 2016) — the algorithm
/// behind OpenCV's DISOpticalFlow, whose presets it follows (finest scale, patch size, patch
/// stride, gradient-descent iterations). OpenCvSharp 4.13 exposes neither the class nor its entry
/// points, so the three steps are written here over OpenCV images: per pyramid level, coarse to
/// fine, (1) a grid of patches each finds its displacement by inverse-compositional gradient
/// descent on mean-normalised intensities, starting from the coarser level's field; (2) the
/// patches' displacements are blended into a dense field, each weighted per pixel by how well it
/// explains that pixel. OpenCV's optional variational refinement (step 3) is not done, so fields are
/// a little blockier than OpenCV's at the FAST and MEDIUM presets. The previous frame's field seeds
/// the coarsest level. All images and fields are reused from frame to frame.
/// </summary>
internal sealed partial class DisOpticalFlow : IDisposable
{
    private readonly int _patch;
    private readonly int _stride;
    private readonly int _iterations;
    private readonly int _finest;
    private readonly List<Level> _levels = new();
    private readonly Mat _previousField = new();
    private readonly Mat _scratch = new();
    private float[] _patchFlow = [];
    private float[] _weights = [];

    public DisOpticalFlow(FlowPreset preset)
    {
        (_finest, _patch, _stride, _iterations) = preset switch
        {
            FlowPreset.Ultrafast => (2, 8, 4, 12),
            FlowPreset.Fast => (2, 8, 4, 16),
            _ => (1, 12, 4, 25),
        };
    }

    private sealed class Level : IDisposable
    {
        public Mat I0 = new(), I1 = new(), Ix = new(), Iy = new(), Flow = new();
        public void Dispose()
        {
            I0.Dispose();
            I1.Dispose();
            Ix.Dispose();
            Iy.Dispose();
            Flow.Dispose();
        }
    }

    /// <summary>Flow from <paramref name="previous"/> to <paramref name="next"/> (8-bit grey, same size)
    /// into <paramref name="field"/> (CV_32FC2, same size; dx, dy in pixels).</summary>
    public void Calc(Mat previous, Mat next, Mat field, bool usePreviousField)
    {
        int width = previous.Width, height = previous.Height;
        var finest = _finest;
        while (finest > 0 && ((width >> finest) < _patch || (height >> finest) < _patch))
        {
            finest--;
        }
        var coarsest = finest;
        while (coarsest < 6 && (width >> (coarsest + 1)) >= 2 * _patch && (height >> (coarsest + 1)) >= 2 * _patch)
        {
            coarsest++;
        }
        while (_levels.Count <= coarsest)
        {
            _levels.Add(new Level());
        }
        for (var s = finest; s <= coarsest; s++)
        {
            var level = _levels[s];
            var size = new Size(Math.Max(1, width >> s), Math.Max(1, height >> s));
            Scaled(previous, level.I0, size);
            Scaled(next, level.I1, size);
            // Sobel with scale 1/8 gives the intensity derivative per pixel.
            Cv2.Sobel(level.I0, level.Ix, MatType.CV_32F, 1, 0, 3, 1.0 / 8);
            Cv2.Sobel(level.I0, level.Iy, MatType.CV_32F, 0, 1, 3, 1.0 / 8);
        }

        var top = _levels[coarsest];
        var topSize = top.I0.Size();
        if (usePreviousField && _previousField.Width == width && _previousField.Height == height)
        {
            Cv2.Resize(_previousField, top.Flow, topSize, 0, 0, InterpolationFlags.Area);
            Cv2.Multiply(top.Flow, new Scalar(1.0 / (1 << coarsest), 1.0 / (1 << coarsest)), top.Flow);
        }
        else
        {
            top.Flow.Create(topSize, MatType.CV_32FC2);
            top.Flow.SetTo(Scalar.All(0));
        }
        for (var s = coarsest; s >= finest; s--)
        {
            var level = _levels[s];
            Search(level);
            if (s > finest)
            {
                var below = _levels[s - 1];
                Cv2.Resize(level.Flow, below.Flow, below.I0.Size(), 0, 0, InterpolationFlags.Linear);
                Cv2.Multiply(below.Flow, new Scalar(2, 2), below.Flow);
            }
        }
        Cv2.Resize(_levels[finest].Flow, field, new Size(width, height), 0, 0, InterpolationFlags.Linear);
        if (finest > 0)
        {
            Cv2.Multiply(field, new Scalar(1 << finest, 1 << finest), field);
        }
        field.CopyTo(_previousField);
    }

    private void Scaled(Mat grey, Mat target, Size size)
    {
        if (size.Width == grey.Width && size.Height == grey.Height)
        {
            grey.ConvertTo(target, MatType.CV_32F);
            return;
        }
        Cv2.Resize(grey, _scratch, size, 0, 0, InterpolationFlags.Area);
        _scratch.ConvertTo(target, MatType.CV_32F);
    }

    private static int[] Starts(int length, int patch, int stride)
    {
        var count = (length - patch) / stride + 1;
        var last = (count - 1) * stride;
        var starts = new int[last + patch < length ? count + 1 : count];
        for (var i = 0; i < count; i++)
        {
            starts[i] = i * stride;
        }
        if (starts.Length > count)
        {
            starts[^1] = length - patch; // the last patch reaches the edge
        }
        return starts;
    }

    public void Dispose()
    {
        _levels.ForEach(l => l.Dispose());
        _previousField.Dispose();
        _scratch.Dispose();
    }
}
