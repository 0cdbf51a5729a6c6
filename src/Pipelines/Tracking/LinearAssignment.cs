namespace StreamVision.Pipelines.Tracking;

/// <summary>
/// Minimum-cost assignment between rows (tracks) and columns (detections) where a pair may only be
/// matched below a cost limit — what ByteTrack does with lapjv's cost_limit. The matrix is extended
/// with a "stay unmatched" option worth half the limit on each side, so a pair is matched exactly when
/// that lowers the total, and solved with the Hungarian method (potentials, O(n³)) per group of
/// rows and columns linked by allowed pairs.
/// </summary>
public static class LinearAssignment
{
    private const double Forbidden = 1e9;

    /// <returns>The matched (row, column) pairs; rows and columns not listed stay unmatched.</returns>
    /// <remarks>Pairs at or above the limit can never be matched, so the rows and columns fall apart
    /// into groups linked by allowed pairs, and each group is solved on its own — exactly the same
    /// answer, but in a scene of objects apart from each other most groups are one track and one box,
    /// matched at once, and the O(n³) method only ever sees the few that crowd together.</remarks>
    public static List<(int Row, int Column)> Solve(double[,] cost, double limit) => new Workspace().Solve(cost, cost.GetLength(0), cost.GetLength(1), limit).ToList();

    /// <summary>The solver's memory, kept by a tracker and reused every frame: solving groups of one
    /// track and one box allocates nothing; only crowded groups need a dense matrix.</summary>
    public sealed class Workspace
    {
        private int[] _parent = [];
        private int[] _group = [];
        private readonly List<(List<int> Rows, List<int> Columns)> _groups = new();
        private readonly List<(int Row, int Column)> _matches = new();

        /// <summary>Solves the top-left <paramref name="rows"/> × <paramref name="columns"/> of
        /// <paramref name="cost"/>; the list returned is reused by the next call.</summary>
        public List<(int Row, int Column)> Solve(double[,] cost, int rows, int columns, double limit)
        {
            _matches.Clear();
            if (rows == 0 || columns == 0)
            {
                return _matches;
            }
            // Union-find over rows (0..rows-1) and columns (rows..rows+columns-1) joined by allowed pairs.
            var n = rows + columns;
            if (_parent.Length < n)
            {
                _parent = new int[Math.Max(n, 2 * _parent.Length)];
                _group = new int[_parent.Length];
            }
            for (var i = 0; i < n; i++)
            {
                _parent[i] = i;
                _group[i] = -1;
            }
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < columns; j++)
                {
                    if (cost[i, j] < limit)
                    {
                        _parent[Find(i)] = Find(rows + j);
                    }
                }
            }
            var groups = 0;
            for (var x = 0; x < n; x++)
            {
                var root = Find(x);
                if (_group[root] < 0)
                {
                    if (groups == _groups.Count)
                    {
                        _groups.Add((new List<int>(), new List<int>()));
                    }
                    _groups[groups].Rows.Clear();
                    _groups[groups].Columns.Clear();
                    _group[root] = groups++;
                }
                var (groupRows, groupColumns) = _groups[_group[root]];
                if (x < rows)
                {
                    groupRows.Add(x);
                }
                else
                {
                    groupColumns.Add(x - rows);
                }
            }
            for (var g = 0; g < groups; g++)
            {
                var (groupRows, groupColumns) = _groups[g];
                if (groupRows.Count == 0 || groupColumns.Count == 0)
                {
                    continue; // nothing it may be matched with
                }
                if (groupRows.Count == 1 && groupColumns.Count == 1)
                {
                    _matches.Add((groupRows[0], groupColumns[0])); // linked, so below the limit: matching beats leaving both
                    continue;
                }
                var sub = new double[groupRows.Count, groupColumns.Count];
                for (var i = 0; i < groupRows.Count; i++)
                {
                    for (var j = 0; j < groupColumns.Count; j++)
                    {
                        sub[i, j] = cost[groupRows[i], groupColumns[j]];
                    }
                }
                foreach (var (i, j) in SolveDense(sub, limit))
                {
                    _matches.Add((groupRows[i], groupColumns[j]));
                }
            }
            _matches.Sort();
            return _matches;
        }

        private int Find(int x)
        {
            while (_parent[x] != x)
            {
                x = _parent[x] = _parent[_parent[x]];
            }
            return x;
        }
    }

    private static List<(int Row, int Column)> SolveDense(double[,] cost, double limit)
    {
        var rows = cost.GetLength(0);
        var columns = cost.GetLength(1);
        var matches = new List<(int, int)>();
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
