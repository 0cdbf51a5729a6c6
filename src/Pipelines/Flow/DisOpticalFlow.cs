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
internal sealed class DisOpticalFlow : IDisposable
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

    /// <summary>Patch inverse search then densification on one level, updating level.Flow in place.</summary>
    private unsafe void Search(Level level)
    {
        int w = level.I0.Width, h = level.I0.Height, p = _patch;
        var xs = Starts(w, p, _stride);
        var ys = Starts(h, p, _stride);
        var patches = xs.Length * ys.Length;
        if (_patchFlow.Length < patches * 2)
        {
            _patchFlow = new float[patches * 2];
        }
        if (_weights.Length < w * h * 3)
        {
            _weights = new float[w * h * 3];
        }
        var i0 = (float*)level.I0.Data;
        var i1 = (float*)level.I1.Data;
        var ix = (float*)level.Ix.Data;
        var iy = (float*)level.Iy.Data;
        var flow = (float*)level.Flow.Data;
        var n = p * p;
        Span<float> t = stackalloc float[n];
        Span<float> gx = stackalloc float[n];
        Span<float> gy = stackalloc float[n];

        var index = 0;
        foreach (var py in ys)
        {
            foreach (var px in xs)
            {
                var centre = ((py + p / 2) * w + px + p / 2) * 2;
                float ux = flow[centre], uy = flow[centre + 1];
                // Mean-normalised template and gradients, and the 2×2 Hessian.
                float meanT = 0, meanX = 0, meanY = 0;
                for (var j = 0; j < p; j++)
                {
                    for (var i = 0; i < p; i++)
                    {
                        var k = (py + j) * w + px + i;
                        var q = j * p + i;
                        t[q] = i0[k];
                        gx[q] = ix[k];
                        gy[q] = iy[k];
                        meanT += i0[k];
                        meanX += ix[k];
                        meanY += iy[k];
                    }
                }
                meanT /= n;
                meanX /= n;
                meanY /= n;
                float hxx = 0, hxy = 0, hyy = 0;
                for (var q = 0; q < n; q++)
                {
                    t[q] -= meanT;
                    gx[q] -= meanX;
                    gy[q] -= meanY;
                    hxx += gx[q] * gx[q];
                    hxy += gx[q] * gy[q];
                    hyy += gy[q] * gy[q];
                }
                var det = hxx * hyy - hxy * hxy;
                if (det > 1e-6f)
                {
                    float startX = ux, startY = uy;
                    var startError = Error(i1, w, h, px, py, p, ux, uy, t, null, null, out _, out _);
                    var error = startError;
                    for (var iteration = 0; iteration < _iterations; iteration++)
                    {
                        error = Error(i1, w, h, px, py, p, ux, uy, t, gx, gy, out var bx, out var by);
                        var dx = (hyy * bx - hxy * by) / det;
                        var dy = (hxx * by - hxy * bx) / det;
                        ux -= dx;
                        uy -= dy;
                        if (dx * dx + dy * dy < 1e-4f)
                        {
                            break;
                        }
                    }
                    error = Error(i1, w, h, px, py, p, ux, uy, t, null, null, out _, out _);
                    // A patch that ends worse than it started (occlusion, a bad start) keeps its start.
                    if (!(error <= startError) || !float.IsFinite(ux) || !float.IsFinite(uy))
                    {
                        (ux, uy, error) = (startX, startY, startError);
                    }
                }
                else
                {
                    (ux, uy) = (0, 0); // no texture: no evidence of motion
                }
                // Prefer standing still when that explains the patch as well: flat areas around a
                // moving edge would otherwise inherit its motion from the coarser level.
                if ((ux != 0 || uy != 0) && Error(i1, w, h, px, py, p, 0, 0, t, null, null, out _, out _) <= Error(i1, w, h, px, py, p, ux, uy, t, null, null, out _, out _) + 0.5f * n)
                {
                    (ux, uy) = (0, 0);
                }
                _patchFlow[index * 2] = ux;
                _patchFlow[index * 2 + 1] = uy;
                index++;
            }
        }

        // Densification: each pixel blends the patches covering it, weighted by 1 / max(1, |residual|).
        var acc = _weights.AsSpan(0, w * h * 3);
        acc.Clear();
        index = 0;
        foreach (var py in ys)
        {
            foreach (var px in xs)
            {
                float ux = _patchFlow[index * 2], uy = _patchFlow[index * 2 + 1];
                index++;
                for (var j = 0; j < p; j++)
                {
                    for (var i = 0; i < p; i++)
                    {
                        int x = px + i, y = py + j;
                        var residual = Sample(i1, w, h, x + ux, y + uy) - i0[y * w + x];
                        var weight = 1f / Math.Max(1f, Math.Abs(residual));
                        var a = (y * w + x) * 3;
                        acc[a] += weight * ux;
                        acc[a + 1] += weight * uy;
                        acc[a + 2] += weight;
                    }
                }
            }
        }
        for (var k = 0; k < w * h; k++)
        {
            var weight = acc[k * 3 + 2];
            if (weight > 0)
            {
                flow[k * 2] = acc[k * 3] / weight;
                flow[k * 2 + 1] = acc[k * 3 + 1] / weight;
            }
        }
    }

    /// <summary>Sum of squared mean-normalised differences between the warped patch of the next image
    /// and the template; with gradients, also the steepest-descent sums b = Σ g·e.</summary>
    private static unsafe float Error(float* i1, int w, int h, int px, int py, int p, float ux, float uy,
        ReadOnlySpan<float> t, ReadOnlySpan<float> gx, ReadOnlySpan<float> gy, out float bx, out float by)
    {
        var n = p * p;
        Span<float> warped = stackalloc float[n];
        float mean = 0;
        for (var j = 0; j < p; j++)
        {
            for (var i = 0; i < p; i++)
            {
                var v = Sample(i1, w, h, px + i + ux, py + j + uy);
                warped[j * p + i] = v;
                mean += v;
            }
        }
        mean /= n;
        float sum = 0;
        bx = by = 0;
        var withGradients = !gx.IsEmpty;
        for (var q = 0; q < n; q++)
        {
            var e = warped[q] - mean - t[q];
            sum += e * e;
            if (withGradients)
            {
                bx += gx[q] * e;
                by += gy[q] * e;
            }
        }
        return sum;
    }

    /// <summary>Bilinear sample with the border replicated.</summary>
    private static unsafe float Sample(float* image, int w, int h, float x, float y)
    {
        x = Math.Clamp(x, 0, w - 1.001f);
        y = Math.Clamp(y, 0, h - 1.001f);
        int x0 = (int)x, y0 = (int)y;
        float fx = x - x0, fy = y - y0;
        var row = image + y0 * w + x0;
        var top = row[0] + fx * (row[1] - row[0]);
        var bottom = row[w] + fx * (row[w + 1] - row[w]);
        return top + fy * (bottom - top);
    }

    public void Dispose()
    {
        _levels.ForEach(l => l.Dispose());
        _previousField.Dispose();
        _scratch.Dispose();
    }
}
