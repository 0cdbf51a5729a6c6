using StreamVision.Host.Config;
using StreamVision.Pipelines.Configuration;

namespace StreamVision.Tests.Unit;

public class ConfigTests
{
    private static ServiceConfig Parse(string yaml)
        => ConfigLoader.Load(new ConfigInputs { Text = yaml, TextName = "test.yaml", Environment = new Dictionary<string, string>() });

    private const string Camera = "cameras:\n  - id: cam\n    url: synthetic://pattern\n";

    [Fact]
    public void A_valid_file_reads_snake_case_keys()
    {
        var config = Parse(Camera + "mqtt:\n  port: 1999\n  client_id: edge-1\n  embedded:\n    enabled: false\nlive:\n  queue: 2\n");
        Assert.Equal(1999, config.Mqtt.Port);
        Assert.Equal("edge-1", config.Mqtt.ClientId);
        Assert.False(config.Mqtt.Embedded.Enabled);
        Assert.Equal(2, config.Live.Queue);
    }

    [Fact]
    public void Http_port_minus_one_turns_http_off_as_the_flag_does()
    {
        var config = Parse(Camera + "http:\n  port: -1\n");
        Assert.False(config.Http.Enabled);
        var e = Assert.Throws<ConfigurationException>(() => Parse(Camera + "http:\n  port: -2\n"));
        Assert.Contains("'http.port'", e.Message);
    }

    /// <summary>Each wrong value is reported under its own key, not a neighbour's.</summary>
    [Theory]
    [InlineData("narration_interval_seconds: -1", "stages.videollm.narration_interval_seconds")]
    [InlineData("visual_window_seconds: 0", "stages.videollm.visual_window_seconds")]
    [InlineData("temperature: -0.5", "stages.videollm.temperature")]
    [InlineData("max_tokens: 0", "stages.videollm.max_tokens")]
    [InlineData("offload:\n      disk_mb: 10", "stages.videollm.offload.disk_mb")]
    [InlineData("offload:\n      host_mb: -1", "stages.videollm.offload.host_mb")]
    public void A_bad_narration_value_names_its_own_key(string line, string key)
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse(Camera + "stages:\n  videollm:\n    enabled: true\n    " + line + "\n"));
        Assert.Contains($"'{key}'", e.Message);
    }

    [Fact]
    public void Unknown_key_names_the_key_its_line_and_the_closest_known_key()
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse(Camera + "mqtt:\n  prot: 1999\n"));
        Assert.Contains("unknown key 'mqtt.prot'", e.Message);
        Assert.Contains("line 5", e.Message);
        Assert.Contains("Did you mean 'port'?", e.Message);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_key_and_value()
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse(Camera + "mqtt:\n  port: eighteen\n"));
        Assert.Contains("'mqtt.port' is 'eighteen', which is not a number", e.Message);
    }

    [Fact]
    public void An_unparsable_camera_url_names_the_camera_key_and_the_fix()
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse("cameras:\n  - id: cam\n    url: synthetic://pattern?fps=fast\n"));
        Assert.Contains("'cameras[0].url'", e.Message);
        Assert.Contains("fps='fast' is not a positive number", e.Message);
    }

    [Fact]
    public void An_unsupported_scheme_is_refused_at_load()
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse("cameras:\n  - id: cam\n    url: ftp://host/video\n"));
        Assert.Contains("scheme 'ftp://' is not supported", e.Message);
    }

    [Fact]
    public void Port_out_of_range_and_duplicate_camera_ids_are_refused()
    {
        Assert.Contains("'mqtt.port' = '70000'", Assert.Throws<ConfigurationException>(() => Parse(Camera + "mqtt:\n  port: 70000\n")).Message);
        var twice = "cameras:\n  - id: a\n    url: synthetic://p\n  - id: a\n    url: synthetic://p\n";
        Assert.Contains("'cameras[1].id' = 'a'", Assert.Throws<ConfigurationException>(() => Parse(twice)).Message);
    }

    [Fact]
    public void Camera_ids_with_topic_wildcards_are_refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse("cameras:\n  - id: 'front/#'\n    url: synthetic://p\n"));
        Assert.Contains("cameras[0].id", e.Message);
    }

    [Fact]
    public void A_key_written_without_a_value_is_refused_instead_of_becoming_null()
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse("cameras:\n"));
        Assert.Contains("'cameras' has no value", e.Message);
    }

    [Fact]
    public void The_example_config_in_the_repository_is_valid()
    {
        var path = Path.Combine(Support.SharedData.RepoRoot, "config", "streamvision.example.yaml");
        var config = ConfigLoader.Load(path);
        Assert.NotEmpty(config.Cameras);
    }

    [Fact]
    public void Http_beyond_loopback_needs_a_token_and_says_where_to_put_it()
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse(Camera + "http:\n  bind: 0.0.0.0\n"));
        Assert.Contains("'http.bind' = '0.0.0.0'", e.Message);
        Assert.Contains("STREAMVISION__HTTP__TOKEN", e.Message);
        Assert.Contains("'http.token'", Assert.Throws<ConfigurationException>(() => Parse(Camera + "http:\n  token: short\n")).Message);
        var ok = Parse(Camera + "http:\n  bind: 0.0.0.0\n  token: 0123456789abcdef0123\n");
        Assert.True(ok.Http.RequiresToken);
        Assert.False(Parse(Camera).Http.RequiresToken);
    }

    [Fact]
    public void The_embedded_broker_beyond_loopback_needs_users()
    {
        var e = Assert.Throws<ConfigurationException>(() => Parse(Camera + "mqtt:\n  embedded:\n    bind: 0.0.0.0\n"));
        Assert.Contains("'mqtt.embedded.bind' = '0.0.0.0'", e.Message);
        Assert.Contains("mqtt.embedded.users", e.Message);
        var ok = Parse(Camera + "mqtt:\n  embedded:\n    bind: 0.0.0.0\n    users:\n      - username: u\n        password: p\n");
        Assert.Single(ok.Mqtt.Embedded.Users);
    }
}
