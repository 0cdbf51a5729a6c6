namespace StreamVision.Pipelines.Flow;

/// <summary>Reduces a flow field to what a subscriber steering a robot wants at a glance.</summary>
public static class FlowStatistics
{
    /// <param name="field">Interleaved (dx, dy) in field pixels.</param>
    /// <param name="movingThreshold">Frame pixels per frame above which a pixel counts as moving.</param>
    public static FlowSummary Compute(ReadOnlySpan<float> field, float scaleX, float scaleY, float movingThreshold)
    {
        var pixels = field.Length / 2;
        if (pixels == 0)
        {
            return default;
        }
        double sumDx = 0, sumDy = 0, sumMagnitude = 0, movingDx = 0, movingDy = 0;
        var moving = 0;
        for (var i = 0; i < pixels; i++)
        {
            var dx = field[2 * i] * scaleX;
            var dy = field[2 * i + 1] * scaleY;
            var magnitude = MathF.Sqrt(dx * dx + dy * dy);
            sumDx += dx;
            sumDy += dy;
            sumMagnitude += magnitude;
            if (magnitude > movingThreshold)
            {
                moving++;
                movingDx += dx;
                movingDy += dy;
            }
        }
        var direction = moving == 0 ? 0 : Math.Atan2(movingDy, movingDx) * 180 / Math.PI;
        if (direction < 0)
        {
            direction += 360;
        }
        return new FlowSummary((float)(sumDx / pixels), (float)(sumDy / pixels), (float)(sumMagnitude / pixels), (float)moving / pixels, (float)direction);
    }
}
