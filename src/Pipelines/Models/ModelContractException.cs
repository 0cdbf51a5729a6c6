namespace StreamVision.Pipelines.Models;

/// <summary>A model file does not match its manifest (or cannot be loaded). The message names the
/// model, the tensor, what the manifest expects and what the graph has.</summary>
public sealed class ModelContractException(string message, Exception? inner = null) : Exception(message, inner);
