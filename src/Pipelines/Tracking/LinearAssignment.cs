namespace StreamVision.Pipelines.Tracking;

/// <summary>
/// Minimum-cost assignment between rows (tracks) and columns (detections) where a pair may only be
/// matched below a cost limit — what ByteTrack does with lapjv's cost_limit. The matrix is extended
/// with a "stay unmatched" option worth half the limit on each side, so a pair is matched exactly when
/// that lowers the total, and solved with the Hungarian method (potentials, O(n³); n is a few dozen).
/// </summary>
public static class LinearAssignment
{
    private const double Forbidden = 1e9;

    /// <returns>The matched (row, column) pairs; rows and columns not listed stay unmatched.</returns>
    public static List<(int Row, int Column)> Solve(double[,] cost, double limit)
    {
        var rows = cost.GetLength(0);
        var columns = cost.GetLength(1);
        var matches = new List<(int, int)>();
        if (rows == 0 || columns == 0)
        {
            return matches;
        }
        var n = rows + columns;
        var extended = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                extended[i, j] = i < rows && j < columns ? (cost[i, j] < limit ? cost[i, j] : Forbidden)
                    : i < rows ? (j - columns == i ? limit / 2 : Forbidden)
                    : j < columns ? (i - rows == j ? limit / 2 : Forbidden)
                    : 0;
            }
        }
        var assigned = Hungarian(extended);
        for (var i = 0; i < rows; i++)
        {
            if (assigned[i] < columns && cost[i, assigned[i]] < limit)
            {
                matches.Add((i, assigned[i]));
            }
        }
        return matches;
    }

    /// <summary>Square assignment: column chosen for each row.</summary>
    private static int[] Hungarian(double[,] a)
    {
        var n = a.GetLength(0);
        // 1-based potentials and matching, as the method is usually written.
        var u = new double[n + 1];
        var v = new double[n + 1];
        var matchOfColumn = new int[n + 1];
        var way = new int[n + 1];
        var minv = new double[n + 1];
        var used = new bool[n + 1];
        for (var i = 1; i <= n; i++)
        {
            matchOfColumn[0] = i;
            var j0 = 0;
            Array.Fill(minv, double.PositiveInfinity);
            Array.Clear(used);
            do
            {
                used[j0] = true;
                var i0 = matchOfColumn[j0];
                var delta = double.PositiveInfinity;
                var j1 = 0;
                for (var j = 1; j <= n; j++)
                {
                    if (used[j])
                    {
                        continue;
                    }
                    var reduced = a[i0 - 1, j - 1] - u[i0] - v[j];
                    if (reduced < minv[j])
                    {
                        minv[j] = reduced;
                        way[j] = j0;
                    }
                    if (minv[j] < delta)
                    {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (var j = 0; j <= n; j++)
                {
                    if (used[j])
                    {
                        u[matchOfColumn[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                    {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            }
            while (matchOfColumn[j0] != 0);
            do
            {
                var j1 = way[j0];
                matchOfColumn[j0] = matchOfColumn[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }
        var columnOfRow = new int[n];
        for (var j = 1; j <= n; j++)
        {
            columnOfRow[matchOfColumn[j] - 1] = j - 1;
        }
        return columnOfRow;
    }
}
