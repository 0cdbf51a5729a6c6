using StreamVision.Pipelines.Graph;

namespace StreamVision.Host.Results;

/// <summary>Somewhere results go: MQTT in service mode, files in batch mode. Must not block for long:
/// the router calls it for every result in order.</summary>
public interface IResultSink
{
    void Write(StageResult result);
}
