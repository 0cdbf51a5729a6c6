using System.Globalization;
using OpenCvSharp;

namespace StreamVision.Benchmarks;

public sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>A plain line chart as PNG (OpenCV drawing; no plotting stack needed on an edge box):
/// axes with five labelled ticks each, one colour per series, optional log-scale y.</summary>
public static class LinePlot
{
    private const int Width = 900, Height = 500, Left = 90, Bottom = 60, Top = 40, Right = 20;

    private static readonly Scalar[] Colours = [new(40, 40, 220), new(220, 120, 30), new(40, 160, 40), new(160, 40, 160), new(30, 160, 200), new(90, 90, 90)];

    /// <param name="format">How y values are labelled (e.g. bytes as KiB).</param>
    public static void Write(string path, string title, string xLabel, IReadOnlyList<PlotSeries> series, bool logY = false, Func<double, string>? format = null, double? yFloor = null)
    {
        format ??= v => v.ToString("0.##", CultureInfo.InvariantCulture);
        var points = series.SelectMany(s => s.Points).ToList();
        var xMin = points.Count == 0 ? 0 : Math.Min(0, points.Min(p => p.X));
        var xMax = points.Count == 0 ? 1 : Math.Max(points.Max(p => p.X), xMin + 1e-9);
        double Scale(double y) => logY ? Math.Log10(Math.Max(y, yFloor ?? 1)) : y;
        var yMin = logY ? Scale(yFloor ?? Math.Max(1, points.Count == 0 ? 1 : points.Min(p => p.Y))) : Math.Min(yFloor ?? 0, points.Count == 0 ? 0 : points.Min(p => p.Y));
        var yMax = points.Count == 0 ? yMin + 1 : Math.Max(points.Max(p => Scale(p.Y)), yMin + 1e-9);
        yMax += (yMax - yMin) * 0.05; // headroom so the top line is not drawn on the border
        Point At(double x, double y) => new(
            Left + (int)((Width - Left - Right) * (x - xMin) / (xMax - xMin)),
            Height - Bottom - (int)((Height - Bottom - Top) * (Scale(y) - yMin) / (yMax - yMin)));

        using var image = new Mat(Height, Width, MatType.CV_8UC3, Scalar.White);
        image.PutText(title, new Point(Left, 25), HersheyFonts.HersheySimplex, 0.6, Scalar.Black, 1, LineTypes.AntiAlias);
        image.Line(new Point(Left, Top), new Point(Left, Height - Bottom), Scalar.Black, 1);
        image.Line(new Point(Left, Height - Bottom), new Point(Width - Right, Height - Bottom), Scalar.Black, 1);
        for (var i = 0; i <= 4; i++)
        {
            var x = xMin + (xMax - xMin) * i / 4;
            var px = At(x, logY ? Math.Pow(10, yMin) : yMin).X;
            image.Line(new Point(px, Height - Bottom), new Point(px, Height - Bottom + 5), Scalar.Black, 1);
            image.PutText(x.ToString("0.##", CultureInfo.InvariantCulture), new Point(px - 12, Height - Bottom + 22), HersheyFonts.HersheySimplex, 0.45, Scalar.Black, 1, LineTypes.AntiAlias);
            var yScaled = yMin + (yMax - yMin) * i / 4;
            var y = logY ? Math.Pow(10, yScaled) : yScaled;
            var py = Height - Bottom - (int)((Height - Bottom - Top) * (yScaled - yMin) / (yMax - yMin));
            image.Line(new Point(Left - 5, py), new Point(Width - Right, py), new Scalar(225, 225, 225), 1);
            image.PutText(format(y), new Point(5, py + 5), HersheyFonts.HersheySimplex, 0.42, Scalar.Black, 1, LineTypes.AntiAlias);
        }
        image.PutText(xLabel + (logY ? "   (log-scale y)" : ""), new Point(Left + (Width - Left - Right) / 2 - 60, Height - 12), HersheyFonts.HersheySimplex, 0.5, Scalar.Black, 1, LineTypes.AntiAlias);
        for (var s = 0; s < series.Count; s++)
        {
            var colour = Colours[s % Colours.Length];
            var line = series[s].Points;
            for (var i = 1; i < line.Count; i++)
            {
                image.Line(At(line[i - 1].X, line[i - 1].Y), At(line[i].X, line[i].Y), colour, 2, LineTypes.AntiAlias);
            }
            if (line.Count == 1)
            {
                image.Circle(At(line[0].X, line[0].Y), 3, colour, -1);
            }
            image.PutText(series[s].Name, new Point(Left + 10, Top + 20 + 20 * s), HersheyFonts.HersheySimplex, 0.5, colour, 1, LineTypes.AntiAlias);
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        image.ImWrite(path);
    }
}
