using OpenCvSharp;

namespace StreamVision.Pipelines.Flow;

/// <summary>The inverse search itself: per patch, Gauss-Newton steps on the patch's error with bilinear samples of the next image.</summary>
internal sealed partial class DisOpticalFlow
{
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
}
