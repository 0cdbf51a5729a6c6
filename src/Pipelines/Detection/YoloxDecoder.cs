using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.Detection;

/// <summary>
/// Decodes YOLOX's raw output: anchors are the cells of each stride's grid in order; a cell's box is
/// centre ((x + col) × stride, (y + row) × stride), size (exp(w) × stride, exp(h) × stride) in input
/// pixels; score = objectness × class score. Boxes above the score threshold are mapped back to the
/// frame (divided by the letterbox scale), then greedy non-maximum suppression runs per class.
/// </summary>
public sealed class YoloxDecoder
{
    private readonly int _anchors;
    private readonly int _classes;
    private readonly float[] _gridX;
    private readonly float[] _gridY;
    private readonly float[] _stride;
    private readonly string[] _names;

    public YoloxDecoder(ModelManifest manifest)
    {
        _anchors = (int)manifest.Output.Shape[1];
        _classes = (int)manifest.Output.Shape[2] - 5;
        _names = manifest.Classes.Select(c => c.Name).ToArray();
        _gridX = new float[_anchors];
        _gridY = new float[_anchors];
        _stride = new float[_anchors];
        var i = 0;
        foreach (var s in manifest.Output.Strides)
        {
            int rows = manifest.Input.Height / s, cols = manifest.Input.Width / s;
            for (var row = 0; row < rows; row++)
            {
                for (var col = 0; col < cols; col++, i++)
                {
                    _gridX[i] = col;
                    _gridY[i] = row;
                    _stride[i] = s;
                }
            }
        }
    }

    /// <param name="scale">Input pixels per frame pixel (the letterbox factor).</param>
    /// <param name="wanted">Class ids to keep; null keeps all.</param>
    public List<Detection> Decode(ReadOnlySpan<float> output, double scale, int frameWidth, int frameHeight, float scoreThreshold, float nmsIou, IReadOnlySet<int>? wanted)
    {
        var candidates = new List<Detection>();
        var width = 5 + _classes;
        for (var a = 0; a < _anchors; a++)
        {
            var row = output.Slice(a * width, width);
            var objectness = row[4];
            if (objectness < scoreThreshold)
            {
                continue; // score = objectness × class ≤ objectness
            }
            var best = 0;
            for (var c = 1; c < _classes; c++)
            {
                if (row[5 + c] > row[5 + best])
                {
                    best = c;
                }
            }
            var score = objectness * row[5 + best];
            if (score < scoreThreshold || (wanted is not null && !wanted.Contains(best)))
            {
                continue;
            }
            var s = _stride[a];
            var cx = (row[0] + _gridX[a]) * s;
            var cy = (row[1] + _gridY[a]) * s;
            var w = MathF.Exp(row[2]) * s;
            var h = MathF.Exp(row[3]) * s;
            var x0 = Math.Clamp((cx - w / 2) / (float)scale, 0, frameWidth);
            var y0 = Math.Clamp((cy - h / 2) / (float)scale, 0, frameHeight);
            var x1 = Math.Clamp((cx + w / 2) / (float)scale, 0, frameWidth);
            var y1 = Math.Clamp((cy + h / 2) / (float)scale, 0, frameHeight);
            if (x1 > x0 && y1 > y0)
            {
                candidates.Add(new Detection(best, _names[best], score, x0, y0, x1 - x0, y1 - y0));
            }
        }
        return NonMaximumSuppression(candidates, nmsIou);
    }

    /// <summary>Greedy per-class suppression: keep the best box, drop same-class boxes overlapping it more than <paramref name="iou"/>.</summary>
    public static List<Detection> NonMaximumSuppression(List<Detection> candidates, float iou)
    {
        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        var kept = new List<Detection>();
        foreach (var candidate in candidates)
        {
            var suppressed = false;
            foreach (var k in kept)
            {
                if (k.ClassId == candidate.ClassId && k.IntersectionOverUnion(candidate) > iou)
                {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed)
            {
                kept.Add(candidate);
            }
        }
        return kept;
    }
}
