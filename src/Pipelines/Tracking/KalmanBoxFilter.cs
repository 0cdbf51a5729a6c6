namespace StreamVision.Pipelines.Tracking;

/// <summary>
/// The constant-velocity Kalman filter of SORT/ByteTrack over a box's centre x, y, aspect ratio
/// (width/height) and height, with their velocities. Noise scales with the box height (std 1/20 of
/// it for position, 1/160 for velocity), so near and far objects are tracked alike. Velocity is per
/// step of 1/30 s, the frame rate those constants were tuned at; a prediction spans as many steps as
/// the stream time between the frames, so frames a live stage dropped do not bend the motion model.
/// </summary>
public sealed class KalmanBoxFilter
{
    private const double PositionWeight = 1.0 / 20;
    private const double VelocityWeight = 1.0 / 160;

    private readonly double[] _mean = new double[8];
    private readonly double[,] _covariance = new double[8, 8];

    /// <summary>Starts at the measured box [cx, cy, aspect, h] with unknown velocity.</summary>
    public KalmanBoxFilter(ReadOnlySpan<double> box)
    {
        box.CopyTo(_mean);
        var h = box[3];
        Span<double> std = [2 * PositionWeight * h, 2 * PositionWeight * h, 1e-2, 2 * PositionWeight * h, 10 * VelocityWeight * h, 10 * VelocityWeight * h, 1e-5, 10 * VelocityWeight * h];
        for (var i = 0; i < 8; i++)
        {
            _covariance[i, i] = std[i] * std[i];
        }
    }

    /// <summary>The current box estimate [cx, cy, aspect, h].</summary>
    public ReadOnlySpan<double> Box => _mean.AsSpan(0, 4);

    /// <summary>A lost track keeps its position but stops growing or shrinking (ByteTrack zeroes the
    /// height velocity of tracks that are not being seen).</summary>
    public void FreezeHeightVelocity() => _mean[7] = 0;

    /// <summary><paramref name="steps"/> steps ahead: x += v·steps; the covariance grows by the process
    /// noise of that many steps.</summary>
    public void Predict(double steps = 1)
    {
        var h = _mean[3];
        for (var i = 0; i < 4; i++)
        {
            _mean[i] += steps * _mean[i + 4];
        }
        // P = F P Fᵀ with F = [[I, dt·I], [0, I]]: rows then columns add dt times the velocity block.
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 8; j++)
            {
                _covariance[i, j] += steps * _covariance[i + 4, j];
            }
        }
        for (var j = 0; j < 4; j++)
        {
            for (var i = 0; i < 8; i++)
            {
                _covariance[i, j] += steps * _covariance[i, j + 4];
            }
        }
        Span<double> std = [PositionWeight * h, PositionWeight * h, 1e-2, PositionWeight * h, VelocityWeight * h, VelocityWeight * h, 1e-5, VelocityWeight * h];
        for (var i = 0; i < 8; i++)
        {
            _covariance[i, i] += steps * std[i] * std[i];
        }
    }

    /// <summary>Corrects the estimate with a measured box [cx, cy, aspect, h].</summary>
    public void Update(ReadOnlySpan<double> box)
    {
        var h = _mean[3];
        Span<double> r = [PositionWeight * h, PositionWeight * h, 1e-1, PositionWeight * h];
        // S = H P Hᵀ + R is the top-left 4×4 block of P plus R (row-major spans: no allocation per frame).
        Span<double> s = stackalloc double[16];
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                s[i * 4 + j] = _covariance[i, j] + (i == j ? r[i] * r[i] : 0);
            }
        }
        Span<double> sInverse = stackalloc double[16];
        Invert4(s, sInverse);
        // K = P Hᵀ S⁻¹: P's first four columns times S⁻¹ (8×4).
        Span<double> gain = stackalloc double[32];
        for (var i = 0; i < 8; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                double sum = 0;
                for (var k = 0; k < 4; k++)
                {
                    sum += _covariance[i, k] * sInverse[k * 4 + j];
                }
                gain[i * 4 + j] = sum;
            }
        }
        Span<double> innovation = stackalloc double[4];
        for (var k = 0; k < 4; k++)
        {
            innovation[k] = box[k] - _mean[k];
        }
        for (var i = 0; i < 8; i++)
        {
            for (var k = 0; k < 4; k++)
            {
                _mean[i] += gain[i * 4 + k] * innovation[k];
            }
        }
        // P -= K H P: K times P's first four rows (copied first, as P changes underneath).
        Span<double> top = stackalloc double[32];
        for (var k = 0; k < 4; k++)
        {
            for (var j = 0; j < 8; j++)
            {
                top[k * 8 + j] = _covariance[k, j];
            }
        }
        for (var i = 0; i < 8; i++)
        {
            for (var j = 0; j < 8; j++)
            {
                double sum = 0;
                for (var k = 0; k < 4; k++)
                {
                    sum += gain[i * 4 + k] * top[k * 8 + j];
                }
                _covariance[i, j] -= sum;
            }
        }
    }

    /// <summary>Gauss–Jordan inverse of a symmetric positive-definite 4×4 matrix (partial pivoting).</summary>
    private static void Invert4(ReadOnlySpan<double> m, Span<double> inverse)
    {
        Span<double> a = stackalloc double[32]; // [m | I], 4 rows of 8
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                a[i * 8 + j] = m[i * 4 + j];
            }
            a[i * 8 + i + 4] = 1;
        }
        for (var col = 0; col < 4; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < 4; row++)
            {
                if (Math.Abs(a[row * 8 + col]) > Math.Abs(a[pivot * 8 + col]))
                {
                    pivot = row;
                }
            }
            for (var j = 0; j < 8; j++)
            {
                (a[col * 8 + j], a[pivot * 8 + j]) = (a[pivot * 8 + j], a[col * 8 + j]);
            }
            var scale = a[col * 8 + col];
            for (var j = 0; j < 8; j++)
            {
                a[col * 8 + j] /= scale;
            }
            for (var row = 0; row < 4; row++)
            {
                if (row == col)
                {
                    continue;
                }
                var factor = a[row * 8 + col];
                for (var j = 0; j < 8; j++)
                {
                    a[row * 8 + j] -= factor * a[col * 8 + j];
                }
            }
        }
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                inverse[i * 4 + j] = a[i * 8 + j + 4];
            }
        }
    }
}
