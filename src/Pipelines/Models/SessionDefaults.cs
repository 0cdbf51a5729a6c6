using Microsoft.ML.OnnxRuntime;

namespace StreamVision.Pipelines.Models;

/// <summary>How every ONNX Runtime session in the service is set up.</summary>
public static class SessionDefaults
{
    /// <summary>
    /// Full graph optimisation, one inter-op thread, and intra-op threads that sleep when idle.
    /// ONNX Runtime's threads spin after each run by default, which suits one model on its own
    /// cores; a service runs many sessions (a model per stage, four for the VideoLLM) plus decoders
    /// on a few cores, where spinning threads take the CPU the others need: on 2 cores with every
    /// stage on, spinning held a 30 fps camera to 12 fps.
    /// </summary>
    /// <param name="intraOpThreads">0 lets ONNX Runtime choose (one per core).</param>
    public static SessionOptions Create(int intraOpThreads = 0)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        return options;
    }
}
