namespace StreamVision.ModelGenerator;

/// <summary>Every model the project generates, so the generator tool and the tests that compare the
/// committed files with their generators name each one once.</summary>
public static class ReferenceModelSet
{
    public static readonly IReadOnlyList<(string FileName, Func<byte[]> Build)> All =
    [
        (ReferenceSegmentationModel.FileName, ReferenceSegmentationModel.Build),
        (ReferenceDepthModel.FileName, ReferenceDepthModel.Build),
        (ReferenceDepthCounterModel.FileName, ReferenceDepthCounterModel.Build),
        (ReferenceFlowModel.FileName, ReferenceFlowModel.Build),
        (ReferenceSemDepthModel.FileName, ReferenceSemDepthModel.Build),
        (ReferenceBodyModel.FileName, ReferenceBodyModel.Build),
        (ReferenceDecoderModel.FileName, () => ReferenceDecoderModel.Build()),
        (ReferenceEmbedModel.FileName, ReferenceEmbedModel.Build),
        (ReferenceVisionModels.EncoderFile, ReferenceVisionModels.BuildEncoder),
        (ReferenceVisionModels.ProjectorFile, ReferenceVisionModels.BuildProjector),
        (ReferenceTokenizer.VocabFile, () => ReferenceTokenizer.Build().Vocab),
        (ReferenceTokenizer.MergesFile, () => ReferenceTokenizer.Build().Merges),
    ];

    /// <summary>Writes every generated model into <paramref name="directory"/>; returns the paths.</summary>
    public static IReadOnlyList<string> WriteAll(string directory)
    {
        Directory.CreateDirectory(directory);
        return All.Select(model =>
        {
            var path = Path.Combine(directory, model.FileName);
            File.WriteAllBytes(path, model.Build());
            return path;
        }).ToList();
    }
}
