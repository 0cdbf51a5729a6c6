using StreamVision.Host.Config;
using StreamVision.Pipelines.Detection;
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
            var det = config.Stages.Detection;
            if (det.Enabled)
            {
                var model = ModelCatalog.LoadModel(det.Model, config, "stages.detection.model", det.Threads);
                try
                {
                    stages.Add(new DetectionStageFactory(model, new DetectionSettings((float)det.ScoreThreshold, (float)det.NmsIou, det.Classes)));
                }
                catch
                {
                    model.Dispose();
                    throw;
                }
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
