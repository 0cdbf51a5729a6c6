using System.Numerics;
using Microsoft.Extensions.Logging;
using StreamVision.Host.Config;
using StreamVision.Pipelines.Body;
using StreamVision.Pipelines.Depth;
using StreamVision.Pipelines.Detection;
using StreamVision.Pipelines.Flow;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Pose;
using StreamVision.Pipelines.SemDepth;
using StreamVision.Pipelines.Segmentation;

namespace StreamVision.Host.Hosting;

/// <summary>Turns the stages section of the config into stage factories (loading and checking models).</summary>
public static class StageBuilder
{
    /// <param name="poses">Poses received over MQTT, for stages whose models take a camera pose.</param>
    /// <param name="facts">What perception says about a camera now, for the VideoLLM's verbalizer.</param>
    /// <param name="zones">A camera's zones and lines (for cameras added while running too); none by default.</param>
    public static List<IStageFactory> Build(ServiceConfig config, ILogger log, PoseBoard? poses = null, Func<string, Cache.Multimodal.FrameFacts>? facts = null,
        Func<string, Pipelines.Events.CameraZones>? zones = null)
    {
        var stages = new List<IStageFactory>();
        var s = config.Stages;
        try
        {
            Add(stages, "segmentation", s.Segmentation, config, log, model => new SegmentationStageFactory(model));
            Add(stages, "detection", s.Detection, config, log, model => new DetectionStageFactory(model, new DetectionSettings((float)s.Detection.ScoreThreshold, (float)s.Detection.NmsIou, s.Detection.Classes, s.Detection.Tracking.ToSettings())));
            Add(stages, "depth", s.Depth, config, log, model => new DepthStageFactory(model));
            if (s.Flow.Enabled && s.Flow.Engine != FlowEngine.Onnx)
            {
                stages.Add(new FlowStageFactory(null, FlowSettingsOf(s.Flow)));
            }
            else
            {
                Add(stages, "flow", s.Flow, config, log, model => new FlowStageFactory(model, FlowSettingsOf(s.Flow)));
            }
            Add(stages, "semdepth", s.SemDepth, config, log, model => new SemDepthStageFactory(model, PoseSettingsOf(config, s.SemDepth.Pose.Mqtt ? poses : null)));
            Add(stages, "body", s.Body, config, log, model => new BodyStageFactory(model, (float)s.Body.ScoreThreshold));
            if (s.VideoLlm.Enabled)
            {
                stages.Add(VideoLlm(config, log, facts ?? (_ => Cache.Multimodal.FrameFacts.None)));
            }
            if (s.Events.Runs(s) && stages.OfType<DetectionStageFactory>().FirstOrDefault() is { } detection)
            {
                stages.Add(new Pipelines.Events.EventsStageFactory(s.Events.ToSettings(), zones ?? (_ => Pipelines.Events.CameraZones.None), detection.ModelId));
            }
            return stages;
        }
        catch
        {
            stages.ForEach(f => f.Dispose());
            throw;
        }
    }

    private static void Add(List<IStageFactory> stages, string name, OnnxStageConfig stage, ServiceConfig config, ILogger log, Func<OnnxModel, IStageFactory> create)
    {
        if (!stage.Enabled)
        {
            return;
        }
        var batch = new BatchOptions(stage.Batch.Size, TimeSpan.FromMilliseconds(stage.Batch.DeadlineMs));
        var model = Announce(ModelCatalog.LoadModel(stage.Model, config, $"stages.{name}.model", stage.Threads, stage.Providers, batch, new GpuSettings(stage.DeviceId, stage.CudaGraphs)), log);
        try
        {
            stages.Add(create(model));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static IStageFactory VideoLlm(ServiceConfig config, ILogger log, Func<string, Cache.Multimodal.FrameFacts> facts)
    {
        var n = config.Stages.VideoLlm;
        var manifest = ModelCatalog.LoadManifest(n.Model, config, "stages.videollm.model");
        var model = new Pipelines.VideoLlm.VideoLlmModel(manifest, ModelCatalog.SearchPaths(config));
        const double mb = 1024 * 1024;
        var overall = new Cache.ByteBudget("videollm", (long)(n.TotalBudgetMb * mb));
        var settings = new Pipelines.VideoLlm.VideoLlmSettings(n.IngestFps, TimeSpan.FromSeconds(n.NarrationIntervalSeconds), TimeSpan.FromSeconds(n.VisualWindowSeconds),
            (long)(n.CameraBudgetMb * mb), overall, n.MaxTokens, (float)n.Temperature,
            LlmVerbalizes: n.Verbalizer == "llm", VerbalizeEvery: TimeSpan.FromSeconds(n.Verbalizer == "llm" ? n.VerbalizeEverySeconds : 0),
            Offload: new Pipelines.VideoLlm.OffloadSettings((long)(n.Offload.HostMb * mb),
                n.Offload.DiskDir.Length > 0 ? ConfigLoader.ResolvePath(config, n.Offload.DiskDir) : null, (long)(n.Offload.DiskMb * mb)));
        log.LogInformation("model {Model} (videollm) runs on cpu: {Tokens} visual tokens per frame at {Fps} fps, memory {Budget} MiB per camera", model.Id, model.TokensPerFrame, n.IngestFps, n.CameraBudgetMb);
        return new Pipelines.VideoLlm.VideoLlmStageFactory(model, settings, facts);
    }

    private static FlowSettings FlowSettingsOf(FlowStageConfig flow)
        => new(flow.Preset, flow.Width, (float)flow.MovingThreshold, flow.Engine == FlowEngine.Farneback ? BuiltInFlowEngine.Farneback : BuiltInFlowEngine.Dis);

    /// <summary>Fixed poses and intrinsics from the cameras' sections, plus the received poses.</summary>
    public static PoseSettings PoseSettingsOf(ServiceConfig config, PoseBoard? received)
    {
        var fixedPoses = new Dictionary<string, FixedPose>();
        foreach (var camera in config.Cameras.Where(c => c.Pose is not null || c.Intrinsics is not null))
        {
            var k = camera.Intrinsics is { } i ? new Intrinsics((float)i[0], (float)i[1], (float)i[2], (float)i[3]) : (Intrinsics?)null;
            if (camera.Pose is { } p)
            {
                var rotation = Quaternion.Normalize(new Quaternion((float)p.Rotation[1], (float)p.Rotation[2], (float)p.Rotation[3], (float)p.Rotation[0]));
                fixedPoses[camera.Id] = new FixedPose(rotation, new Vector3((float)p.Translation[0], (float)p.Translation[1], (float)p.Translation[2]), k);
            }
            else
            {
                // Intrinsics alone: the pose itself comes from MQTT (or is missing).
                fixedPoses[camera.Id] = new FixedPose(Quaternion.Identity, Vector3.Zero, k) { IntrinsicsOnly = true };
            }
        }
        var pose = config.Stages.SemDepth.Pose;
        return new PoseSettings(received, pose.Clock, TimeSpan.FromMilliseconds(pose.ToleranceMs), fixedPoses);
    }

    private static OnnxModel Announce(OnnxModel model, ILogger log)
    {
        foreach (var fallback in model.Provider.Fallbacks)
        {
            log.LogWarning("model {Model}: execution provider unavailable ({Why}); trying the next one", model.Id, fallback);
        }
        log.LogInformation("model {Model} runs on {Provider}{Batch}", model.Id, model.Provider.Active.ToString().ToLowerInvariant(),
            model.MaxBatch > 1 ? $", up to {model.MaxBatch} frames per run" : "");
        if (model.BatchingRefused is { } why)
        {
            log.LogInformation("model {Model}: batching not possible: {Why}", model.Id, why);
        }
        if (model.CudaGraphsRefused is { } refused)
        {
            log.LogWarning("model {Model}: CUDA graphs not possible, running without them: {Why}", model.Id, refused);
        }
        return model;
    }
}
