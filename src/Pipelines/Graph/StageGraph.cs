using StreamVision.Pipelines.Configuration;

namespace StreamVision.Pipelines.Graph;

/// <summary>
/// The one-way graph of stages: stages fed by the camera, and stages that consume other stages'
/// results for the same frame (detection → events). Checked once, when a pipeline is built: a
/// consumed stage that is not running, or a cycle, is a configuration error naming the stages.
/// </summary>
public static class StageGraph
{
    /// <summary>The stages in an order where every producer comes before its consumers (the given
    /// order otherwise kept).</summary>
    public static IReadOnlyList<IStageFactory> Order(IReadOnlyList<IStageFactory> stages)
    {
        var byName = new Dictionary<string, IStageFactory>();
        foreach (var stage in stages)
        {
            if (!byName.TryAdd(stage.Name, stage))
            {
                throw new ConfigurationException($"stage '{stage.Name}' is configured twice; each stage runs once per camera.");
            }
        }
        foreach (var stage in stages)
        {
            foreach (var producer in stage.Consumes)
            {
                if (!byName.ContainsKey(producer))
                {
                    throw new ConfigurationException($"stage '{stage.Name}' consumes the results of stage '{producer}', which is not enabled: enable stages.{producer} or disable stages.{stage.Name}.");
                }
            }
        }
        var ordered = new List<IStageFactory>(stages.Count);
        var state = new Dictionary<string, bool>(); // false: being visited, true: placed
        foreach (var stage in stages)
        {
            Visit(stage, byName, state, ordered, new List<string>());
        }
        return ordered;
    }

    private static void Visit(IStageFactory stage, Dictionary<string, IStageFactory> byName, Dictionary<string, bool> state, List<IStageFactory> ordered, List<string> path)
    {
        if (state.TryGetValue(stage.Name, out var placed))
        {
            if (!placed)
            {
                var cycle = path.Skip(path.IndexOf(stage.Name)).Append(stage.Name);
                throw new ConfigurationException($"stages consume each other's results in a cycle ({string.Join(" → ", cycle)}); a stage may only consume stages that do not consume it.");
            }
            return;
        }
        state[stage.Name] = false;
        path.Add(stage.Name);
        foreach (var producer in stage.Consumes)
        {
            Visit(byName[producer], byName, state, ordered, path);
        }
        path.RemoveAt(path.Count - 1);
        state[stage.Name] = true;
        ordered.Add(stage);
    }

    /// <summary>Text for logs and docs: "detection → events".</summary>
    public static string Describe(IReadOnlyList<IStageFactory> stages)
        => string.Join("; ", stages.Select(s => s.Consumes.Count == 0 ? $"camera → {s.Name}" : $"{string.Join(" + ", s.Consumes)} → {s.Name}"));
}
