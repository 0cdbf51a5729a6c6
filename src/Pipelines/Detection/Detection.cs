namespace StreamVision.Pipelines.Detection;

/// <summary>One detected object, its box in frame pixels (top-left corner, width, height).</summary>
public readonly record struct Detection(int ClassId, string ClassName, float Score, float X, float Y, float Width, float Height)
{
    /// <summary>The camera's track this detection belongs to (ByteTrack), null when not tracked or not yet confirmed.</summary>
    public int? TrackId { get; init; }

    public float Area => Width * Height;

    public float IntersectionOverUnion(in Detection other)
    {
        var left = Math.Max(X, other.X);
        var top = Math.Max(Y, other.Y);
        var right = Math.Min(X + Width, other.X + other.Width);
        var bottom = Math.Min(Y + Height, other.Y + other.Height);
        var intersection = Math.Max(0, right - left) * Math.Max(0, bottom - top);
        var union = Area + other.Area - intersection;
        return union <= 0 ? 0 : intersection / union;
    }
}
