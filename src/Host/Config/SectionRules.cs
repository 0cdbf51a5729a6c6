using Microsoft.Extensions.Options;

namespace StreamVision.Host.Config;

/// <summary>One broken rule: the key (as written in messages, e.g. <c>cameras[0].url</c>) and what to do.</summary>
public sealed record ConfigProblem(string Key, string Message)
{
    /// <summary>The usual form: <c>'key' = 'value': fix</c>.</summary>
    public static ConfigProblem Bad(string key, object? value, string fix) => new(key, $"'{key}' = '{value}': {fix}");
}

/// <summary>
/// A config section's rules, kept next to the section's class, as .NET options validation: the
/// options name is the section's key (<c>mqtt</c>, <c>cameras[2]</c>), so each problem names its
/// own key. <see cref="ConfigLoader"/> runs every section's rules before anything starts.
/// </summary>
public abstract class SectionRules<T>(ServiceConfig root) : IValidateOptions<T> where T : class
{
    protected ServiceConfig Root => root;

    public abstract IEnumerable<ConfigProblem> Check(T section, string key);

    public ValidateOptionsResult Validate(string? name, T options)
    {
        var problems = Check(options, name ?? "").Select(p => p.Message).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
