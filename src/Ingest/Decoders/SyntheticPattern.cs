using OpenCvSharp;

namespace StreamVision.Ingest.Decoders;

/// <summary>
/// The picture a synthetic camera shows at a given frame index: a mid-grey background with a red
/// disc moving left to right, a green square moving top to bottom and a blue bar along the bottom.
/// The geometry is public so tests can compare what a model saw with what was drawn.
/// </summary>
public static class SyntheticPattern
{
    public static readonly Scalar Background = new(128, 128, 128);
    public static readonly Scalar Red = new(30, 30, 220);
    public static readonly Scalar Green = new(40, 200, 40);
    public static readonly Scalar Blue = new(210, 40, 30);

    public readonly record struct Geometry(Point DiscCentre, int DiscRadius, Rect Square, Rect Bar);

    public static Geometry At(long index, int width, int height)
    {
        var radius = Math.Max(2, height / 6);
        var travelX = Math.Max(1, width - 2 * radius);
        var x = radius + (int)(index * 4 % (2 * travelX) is var p && p < travelX ? p : 2 * travelX - p);
        var side = Math.Max(2, height / 5);
        var travelY = Math.Max(1, height - side - height / 8);
        var y = (int)(index * 3 % (2 * travelY) is var q && q < travelY ? q : 2 * travelY - q);
        var bar = new Rect(0, height - height / 10, width / 3, height / 10);
        return new Geometry(new Point(x, height / 3), radius, new Rect(width * 2 / 3, y, side, side), bar);
    }

    public static void Draw(Mat target, long index)
    {
        var g = At(index, target.Width, target.Height);
        target.SetTo(Background);
        target.Rectangle(g.Bar, Blue, -1);
        target.Rectangle(g.Square, Green, -1);
        target.Circle(g.DiscCentre, g.DiscRadius, Red, -1, LineTypes.Link8);
        target.PutText($"#{index}", new Point(8, 24), HersheyFonts.HersheySimplex, 0.7, new Scalar(255, 255, 255), 2);
    }
}
