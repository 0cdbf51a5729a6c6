using StreamVision.Host.Config;
using Microsoft.Extensions.Logging;
using StreamVision.Pipelines.Depth;
using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Flow;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Host.Hosting;

/// <summary>Turns the stages section of the config into stage factories (loading and checking models).</summary>
public static class StageBuilder
{
    public static List<IStageFactory> Build(ServiceConfig config, ILogger log)
    {
        var stages = new List<IStageFactory>();
        try
        {
            var seg = config.Stages.Segmentation;
            if (seg.Enabled)
            {
                stages.Add(new SegmentationStageFactory(Announce(ModelCatalog.LoadModel(seg.Model, config, "stages.segmentation.model", seg.Threads, seg.Providers), log)));
            }
            var det = config.Stages.Detection;
            if (det.Enabled)
            {
                var model = Announce(ModelCatalog.LoadModel(det.Model, config, "stages.detection.model", det.Threads, det.Providers), log);
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
            var depth = config.Stages.Depth;
            if (depth.Enabled)
            {
                var model = Announce(ModelCatalog.LoadModel(depth.Model, config, "stages.depth.model", depth.Threads, depth.Providers), log);
                try
                {
                    stages.Add(new DepthStageFactory(model));
                }
                catch
                {
                    model.Dispose();
                    throw;
                }
            }
            var flow = config.Stages.Flow;
            if (flow.Enabled)
            {
                var model = flow.Engine == FlowEngine.Onnx ? Announce(ModelCatalog.LoadModel(flow.Model, config, "stages.flow.model", flow.Threads, flow.Providers), log) : null;
                try
                {
                    stages.Add(new FlowStageFactory(model, new FlowSettings(flow.Preset, flow.Width, (float)flow.MovingThreshold)));
                }
                catch
                {
                    model?.Dispose();
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

    private static OnnxModel Announce(OnnxModel model, ILogger log)
    {
        foreach (var fallback in model.Provider.Fallbacks)
        {
            log.LogWarning("model {Model}: execution provider unavailable ({Why}); trying the next one", model.Id, fallback);
        }
        log.LogInformation("model {Model} runs on {Provider}", model.Id, model.Provider.Active.ToString().ToLowerInvariant());
        return model;
    }
}
