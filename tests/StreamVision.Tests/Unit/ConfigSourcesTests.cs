using StreamVision.Host.Config;
using StreamVision.Pipelines.Configuration;

namespace StreamVision.Tests.Unit;

/// <summary>The configuration's sources together: the YAML file, STREAMVISION__… environment
/// variables and flags, in that order of precedence; errors name where the value was written;
/// the resolved dump says where each value came from and masks secrets.</summary>
public class ConfigSourcesTests
{
    private const string Yaml = """
        cameras:
          - id: gate
            url: synthetic://p?fps=10
          - id: yard
            url: synthetic://p?fps=10
            reconnect:
              max_delay_seconds: 30
        mqtt:
          port: 1999
          username: edge
        stages:
          detection:
            classes: [person, car]
        """;

    private static ServiceConfig Load(Dictionary<string, string> environment, params (string Key, string Value, string Flag)[] flags)
        => ConfigLoader.Load(new ConfigInputs { Text = Yaml, TextName = "site.yaml", Environment = environment, Flags = flags });

    [Fact]
    public void Environment_variables_override_nested_keys_and_list_items_of_the_file()
    {
        var config = Load(new()
        {
            ["STREAMVISION__MQTT__PASSWORD"] = "s3cret",
            ["STREAMVISION__MQTT__QOS__RESULTS"] = "1",
            ["STREAMVISION__CAMERAS__1__URL"] = "rtsp://viewer:pw@10.0.0.9/live",
            ["STREAMVISION__CAMERAS__1__RECONNECT__MAX_DELAY_SECONDS"] = "5",
            ["STREAMVISION__STAGES__DETECTION__CLASSES__0"] = "dog",
            ["PATH"] = "/usr/bin",
        });
        Assert.Equal("s3cret", config.Mqtt.Password);
        Assert.Equal("edge", config.Mqtt.Username); // the file's other keys stay
        Assert.Equal(1, config.Mqtt.Qos.Results);
        Assert.Equal(["gate", "yard"], config.Cameras.Select(c => c.Id));
        Assert.Equal("synthetic://p?fps=10", config.Cameras[0].Url);
        Assert.Equal("rtsp://viewer:pw@10.0.0.9/live", config.Cameras[1].Url);
        Assert.Equal(5, config.Cameras[1].Reconnect.MaxDelaySeconds);
        Assert.Equal(["dog", "car"], config.Stages.Detection.Classes); // item 0 replaced, item 1 kept: not appended to the default
    }

    [Fact]
    public void Flags_override_the_environment_which_overrides_the_file()
    {
        var env = new Dictionary<string, string> { ["STREAMVISION__MQTT__PORT"] = "2001", ["STREAMVISION__HTTP__PORT"] = "9001" };
        var config = Load(env, ("mqtt.port", "2002", "--mqtt-port"));
        Assert.Equal(2002, config.Mqtt.Port);
        Assert.Equal(9001, config.Http.Port);
        Assert.Equal("command line (--mqtt-port)", config.Origins!.Of("mqtt.port"));
        Assert.Equal("environment variable STREAMVISION__HTTP__PORT", config.Origins.Of("http.port"));
        Assert.Equal("site.yaml line 3", config.Origins.Of("cameras[0].url"));
    }

    [Fact]
    public void The_resolved_dump_names_each_origin_and_masks_secrets()
    {
        var config = Load(new()
        {
            ["STREAMVISION__MQTT__PASSWORD"] = "s3cret",
            ["STREAMVISION__CAMERAS__1__URL"] = "rtsp://viewer:pw@10.0.0.9/live",
        });
        var dump = ConfigDump.Yaml(config);
        Assert.DoesNotContain("s3cret", dump);
        Assert.DoesNotContain(":pw@", dump);
        Assert.Contains($"password: '{ConfigDump.Mask}'  # environment variable STREAMVISION__MQTT__PASSWORD", dump);
        Assert.Contains($"url: 'rtsp://viewer:{ConfigDump.Mask}@10.0.0.9/live'  # environment variable STREAMVISION__CAMERAS__1__URL", dump);
        Assert.Contains("port: 1999  # site.yaml line 9", dump);
        Assert.Contains("keep_alive_seconds: 15\n", dump); // a default: no origin
        // The dump is itself a valid config that loads to the same values (secrets aside).
        var again = ConfigLoader.Load(new ConfigInputs { Text = dump, TextName = "dump", Environment = new Dictionary<string, string>() });
        Assert.Equal(config.Mqtt.Port, again.Mqtt.Port);
        Assert.Equal(config.Cameras.Count, again.Cameras.Count);
    }

    [Theory]
    [InlineData("STREAMVISION__MQTT__PROT", "1", "environment variable STREAMVISION__MQTT__PROT: unknown key 'mqtt.prot'. Did you mean 'port'?")]
    [InlineData("STREAMVISION__MQTT__PORT", "eighteen", "environment variable STREAMVISION__MQTT__PORT: 'mqtt.port' is 'eighteen', which is not a number")]
    [InlineData("STREAMVISION__MQTT__PORT", "70000", "environment variable STREAMVISION__MQTT__PORT: 'mqtt.port' = '70000'")]
    [InlineData("STREAMVISION__CAMERAS__X__URL", "a", "'cameras' is a list: its items are numbered from 0")]
    [InlineData("STREAMVISION__MQTT", "x", "'mqtt' must be a map of keys")]
    public void A_bad_environment_variable_is_named_with_its_key_and_fix(string name, string value, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => Load(new() { [name] = value }));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_old_narration_key_still_works_with_a_deprecation_notice()
    {
        var config = ConfigLoader.Load(new ConfigInputs
        {
            Text = "cameras:\n  - id: a\n    url: synthetic://p\nstages:\n  narration:\n    max_tokens: 7\n",
            TextName = "old.yaml",
            Environment = new Dictionary<string, string>(),
        });
        Assert.Equal(7, config.Stages.VideoLlm.MaxTokens);
        var notice = Assert.Single(config.Deprecations);
        Assert.Contains("'stages.narration' is now 'stages.videollm'", notice);
        Assert.Contains("old.yaml line 5", notice);
    }

    [Fact]
    public void Without_a_file_the_default_camera_can_be_changed_from_the_environment()
    {
        var config = ConfigLoader.Load(new ConfigInputs { Environment = new Dictionary<string, string> { ["STREAMVISION__CAMERAS__0__URL"] = "synthetic://p?fps=5" } });
        Assert.Equal("synthetic", config.Cameras.Single().Id);
        Assert.Equal("synthetic://p?fps=5", config.Cameras[0].Url);
    }

    [Fact]
    public void An_empty_list_empties_a_default_list_from_the_file_or_the_environment()
    {
        var fromFile = ConfigLoader.Load(new ConfigInputs { Text = "cameras:\n  - id: a\n    url: synthetic://p\nstages:\n  detection:\n    classes: []\n", TextName = "all.yaml", Environment = new Dictionary<string, string>() });
        Assert.Empty(fromFile.Stages.Detection.Classes); // [] = every class, as the example config says
        var fromEnvironment = Load(new() { ["STREAMVISION__STAGES__DETECTION__CLASSES"] = "" });
        Assert.Empty(fromEnvironment.Stages.Detection.Classes);
        Assert.Equal(["person"], Load(new()).Stages.Detection.Classes.Take(1)); // not given: the file's list stays
    }

    [Fact]
    public void A_key_under_its_old_and_new_name_at_once_is_refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(new ConfigInputs
        {
            Text = "cameras:\n  - id: a\n    url: synthetic://p\nstages:\n  videollm:\n    max_tokens: 5\n  narration:\n    max_tokens: 7\n",
            TextName = "both.yaml",
            Environment = new Dictionary<string, string>(),
        }));
        Assert.Contains("both.yaml line 7", e.Message);
        Assert.Contains("'stages.narration' and 'videollm' are the same key", e.Message);
    }
}
