using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.Preprocessing;

/// <summary>
/// Turns a BGR24 frame into a model's float input in a single pass: bilinear resize (OpenCV's
/// half-pixel convention), colour order, normalisation and layout are applied per output sample as
/// it is written. With letterboxing the frame is scaled by one factor (<see cref="Scale"/>), placed
/// at the top-left and the rest filled with the pad value. The sampling tables depend only on the
/// frame and tensor sizes, so they are built once per source size and the hot path allocates nothing.
/// </summary>
public sealed class TensorPreprocessor
{
    private readonly InputTensorSpec _spec;
    private readonly int[] _sourceChannel = new int[3];
    private readonly float[] _gain = new float[3];
    private readonly float[] _offset = new float[3];
    private readonly float[] _pad = new float[3];
    private int _tableWidth = -1;
    private int _tableHeight = -1;
    private int[] _x0 = [];
    private int[] _x1 = [];
    private float[] _fx = [];
    private int[] _y0 = [];
    private int[] _y1 = [];
    private float[] _fy = [];

    public TensorPreprocessor(InputTensorSpec spec)
    {
        _spec = spec;
        for (var c = 0; c < 3; c++)
        {
            // Frames are BGR: byte 0 is blue. RGB tensors take channel 0 from byte 2.
            _sourceChannel[c] = spec.ColorOrder == ColorOrder.Bgr ? c : 2 - c;
            _gain[c] = (float)(spec.Scale / spec.Std[c]);
            _offset[c] = (float)(-spec.Mean[c] / spec.Std[c]);
            _pad[c] = (float)(spec.PadValue * _gain[c] + _offset[c]);
        }
    }

    public int TensorLength => _spec.Width * _spec.Height * 3;

    /// <summary>Tensor pixels per frame pixel along x (and y, when letterboxing) for the last frame size.</summary>
    public double ScaleX { get; private set; } = 1;

    public double ScaleY { get; private set; } = 1;

    /// <summary>The letterbox factor (equal on both axes); with stretch, the x factor.</summary>
    public double Scale => ScaleX;

    public void Run(Frame frame, Span<float> tensor) => Run(frame.Pixels, frame.Width, frame.Height, frame.Stride, tensor);

    public void Run(ReadOnlySpan<byte> bgr, int width, int height, int stride, Span<float> tensor)
    {
        if (tensor.Length < TensorLength)
        {
            throw new ArgumentException($"tensor has {tensor.Length} elements, the model input needs {TensorLength}.", nameof(tensor));
        }
        EnsureTables(width, height);
        int dw = _spec.Width, dh = _spec.Height, plane = dw * dh;
        var nhwc = _spec.Layout == TensorLayout.Nhwc;
        int s0 = _sourceChannel[0], s1 = _sourceChannel[1], s2 = _sourceChannel[2];
        float g0 = _gain[0], g1 = _gain[1], g2 = _gain[2];
        float o0 = _offset[0], o1 = _offset[1], o2 = _offset[2];
        for (var y = 0; y < dh; y++)
        {
            if (_y0[y] < 0)
            {
                FillPad(tensor, y, dw, plane, nhwc);
                continue;
            }
            var row0 = bgr.Slice(_y0[y] * stride);
            var row1 = bgr.Slice(_y1[y] * stride);
            var fy = _fy[y];
            for (var x = 0; x < dw; x++)
            {
                int a = _x0[x], b = _x1[x];
                if (a < 0)
                {
                    var q = y * dw + x;
                    if (nhwc)
                    {
                        tensor[q * 3] = _pad[0];
                        tensor[q * 3 + 1] = _pad[1];
                        tensor[q * 3 + 2] = _pad[2];
                    }
                    else
                    {
                        tensor[q] = _pad[0];
                        tensor[plane + q] = _pad[1];
                        tensor[2 * plane + q] = _pad[2];
                    }
                    continue;
                }
                var fx = _fx[x];
                var w00 = (1 - fx) * (1 - fy);
                var w01 = fx * (1 - fy);
                var w10 = (1 - fx) * fy;
                var w11 = fx * fy;
                var v0 = row0[a + s0] * w00 + row0[b + s0] * w01 + row1[a + s0] * w10 + row1[b + s0] * w11;
                var v1 = row0[a + s1] * w00 + row0[b + s1] * w01 + row1[a + s1] * w10 + row1[b + s1] * w11;
                var v2 = row0[a + s2] * w00 + row0[b + s2] * w01 + row1[a + s2] * w10 + row1[b + s2] * w11;
                var p = y * dw + x;
                if (nhwc)
                {
                    var i = p * 3;
                    tensor[i] = v0 * g0 + o0;
                    tensor[i + 1] = v1 * g1 + o1;
                    tensor[i + 2] = v2 * g2 + o2;
                }
                else
                {
                    tensor[p] = v0 * g0 + o0;
                    tensor[plane + p] = v1 * g1 + o1;
                    tensor[2 * plane + p] = v2 * g2 + o2;
                }
            }
        }
    }

    private void FillPad(Span<float> tensor, int y, int dw, int plane, bool nhwc)
    {
        for (var x = 0; x < dw; x++)
        {
            var q = y * dw + x;
            for (var c = 0; c < 3; c++)
            {
                tensor[nhwc ? q * 3 + c : c * plane + q] = _pad[c];
            }
        }
    }

    private void EnsureTables(int width, int height)
    {
        if (width == _tableWidth && height == _tableHeight)
        {
            return;
        }
        if (_spec.Resize == ResizeMode.Letterbox)
        {
            var r = Math.Min((double)_spec.Width / width, (double)_spec.Height / height);
            ScaleX = ScaleY = r;
            (_x0, _x1, _fx) = Axis(width, _spec.Width, (int)(width * r), 3);
            (_y0, _y1, _fy) = Axis(height, _spec.Height, (int)(height * r), 1);
        }
        else
        {
            ScaleX = (double)_spec.Width / width;
            ScaleY = (double)_spec.Height / height;
            (_x0, _x1, _fx) = Axis(width, _spec.Width, _spec.Width, 3);
            (_y0, _y1, _fy) = Axis(height, _spec.Height, _spec.Height, 1);
        }
        _tableWidth = width;
        _tableHeight = height;
    }

    /// <summary>Sampling positions for <paramref name="content"/> of the <paramref name="target"/>
    /// samples; the rest are marked -1 (padding).</summary>
    private static (int[] i0, int[] i1, float[] f) Axis(int source, int target, int content, int step)
    {
        var i0 = new int[target];
        var i1 = new int[target];
        var f = new float[target];
        Array.Fill(i0, -1);
        var ratio = (double)source / content;
        for (var d = 0; d < content; d++)
        {
            var s = (d + 0.5) * ratio - 0.5;
            var lo = (int)Math.Floor(s);
            var frac = s - lo;
            if (lo < 0)
            {
                lo = 0;
                frac = 0;
            }
            if (lo >= source - 1)
            {
                lo = source - 1;
                frac = 0;
            }
            i0[d] = lo * step;
            i1[d] = Math.Min(lo + 1, source - 1) * step;
            f[d] = (float)frac;
        }
        return (i0, i1, f);
    }
}
