using StreamVision.Host.Config;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Host.Hosting;

/// <summary>Turns the stages section of the config into stage factories (loading and checking models).</summary>
public static class StageBuilder
{
    public static List<IStageFactory> Build(ServiceConfig config)
    {
        var stages = new List<IStageFactory>();
        try
        {
            var seg = config.Stages.Segmentation;
            if (seg.Enabled)
            {
                stages.Add(new SegmentationStageFactory(ModelCatalog.LoadModel(seg.Model, config, "stages.segmentation.model", seg.Threads)));
            }
            return stages;
        }
        catch
        {
            stages.ForEach(s => s.Dispose());
            throw;
        }
    }
}
