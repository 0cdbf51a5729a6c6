using System.Text.RegularExpressions;
using StreamVision.Host.Config;
using StreamVision.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace StreamVision.Tests.Unit;

/// <summary>No Docker engine runs here, so the deployment files are kept in step by reading them:
/// the configs they ship load, the ports they expose are the ones those configs use, and the docs
/// give the commands and paths the files expect.</summary>
public sealed class DeploymentFilesTests
{
    private static string Read(params string[] path) => File.ReadAllText(Path.Combine([SharedData.RepoRoot, .. path]));

    /// <summary>The secrets a deployment passes in the environment (docker run -e, compose environment).</summary>
    private static readonly Dictionary<string, string> Secrets = new()
    {
        ["STREAMVISION__HTTP__TOKEN"] = "0123456789abcdef0123456789abcdef",
        ["STREAMVISION__MQTT__EMBEDDED__USERS__0__PASSWORD"] = "broker-secret",
    };

    private static ServiceConfig Config(params string[] path) => ConfigLoader.Load(new ConfigInputs { File = Path.Combine([SharedData.RepoRoot, .. path]), Environment = Secrets });

    [Fact]
    public void The_image_config_refuses_to_start_without_its_secrets_and_names_the_variables()
    {
        var file = Path.Combine(SharedData.RepoRoot, "docker", "streamvision.docker.yaml");
        var noToken = Assert.Throws<StreamVision.Pipelines.Configuration.ConfigurationException>(() => ConfigLoader.Load(new ConfigInputs
        {
            File = file,
            Environment = new Dictionary<string, string> { ["STREAMVISION__MQTT__EMBEDDED__USERS__0__PASSWORD"] = "x" },
        }));
        Assert.Contains("STREAMVISION__HTTP__TOKEN", noToken.Message);
        var noPassword = Assert.Throws<StreamVision.Pipelines.Configuration.ConfigurationException>(() => ConfigLoader.Load(new ConfigInputs
        {
            File = file,
            Environment = new Dictionary<string, string> { ["STREAMVISION__HTTP__TOKEN"] = Secrets["STREAMVISION__HTTP__TOKEN"] },
        }));
        Assert.Contains("STREAMVISION__MQTT__EMBEDDED__USERS__0__PASSWORD", noPassword.Message);
        Assert.Contains("STREAMVISION__HTTP__TOKEN", Read("docker", "docker-compose.yml"));
    }

    [Theory]
    [InlineData("Dockerfile.cpu")]
    [InlineData("Dockerfile.cuda")]
    public void Images_expose_the_ports_their_config_uses_and_run_as_a_user(string dockerfile)
    {
        var text = Read("docker", dockerfile);
        var config = Config("docker", "streamvision.docker.yaml");
        var exposed = Regex.Match(text, @"^EXPOSE (.+)$", RegexOptions.Multiline).Groups[1].Value.Split(' ').Select(int.Parse).ToHashSet();
        Assert.Equal(new HashSet<int> { config.Mqtt.Port, config.Http.Port }, exposed);
        Assert.Equal("0.0.0.0", config.Http.Bind);
        Assert.Matches(@"^USER streamvision$", text.Split('\n').First(l => l.StartsWith("USER")));
        Assert.Contains("/app/docker/streamvision.docker.yaml", text);
        Assert.Contains("aspnet:10.0", text); // the HTTP API needs the ASP.NET Core runtime
        Assert.Contains($"docker build -f docker/{dockerfile}", Read("README.md"));
        Assert.Contains($"docker build -f docker/{dockerfile}", Read("docs", "DEPLOY.md"));
    }

    [Theory]
    [InlineData("Dockerfile.cpu")]
    [InlineData("Dockerfile.cuda")]
    public void Images_copy_every_folder_the_build_takes_files_from(string dockerfile)
    {
        // The host project ships files from outside src/ (manifests, models, the Python peer); a
        // build in the image fails if the Dockerfile does not copy their folders into it.
        var text = Read("docker", dockerfile);
        var folders = Regex.Matches(Read("src", "Host", "StreamVision.Host.csproj"), @"Include=""\.\./\.\./([^""]+)""")
            .SelectMany(m => m.Groups[1].Value.Split(';'))
            .Select(path => path.Replace("../../", "")[..path.Replace("../../", "").LastIndexOf('/')])
            .Distinct()
            .ToList();
        Assert.NotEmpty(folders);
        Assert.All(folders, folder => Assert.Matches($@"(?m)^COPY {Regex.Escape(folder)}/ {Regex.Escape(folder)}/$", text));
    }

    [Fact]
    public async Task The_kubernetes_batch_job_shards_by_its_completion_index_over_as_many_shards_as_completions()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Read("deploy", "kubernetes", "batch-job.yaml")));
        var job = (YamlMappingNode)yaml.Documents[0].RootNode;
        Assert.Equal("Job", job["kind"].ToString());
        var spec = (YamlMappingNode)job["spec"];
        Assert.Equal("Indexed", spec["completionMode"].ToString());
        var completions = int.Parse(spec["completions"].ToString());
        var pod = (YamlMappingNode)((YamlMappingNode)spec["template"])["spec"];
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"])[0];
        var command = Assert.Single((YamlSequenceNode)container["args"]).ToString();
        Assert.Contains($"--shard \"${{JOB_COMPLETION_INDEX}}/{completions}\"", command);
        // The program path is the image's, and every folder the command names is mounted.
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/streamvision.dll\"]", Read("docker", "Dockerfile.cpu"));
        Assert.StartsWith("exec dotnet /app/streamvision.dll batch ", command);
        var mounts = ((YamlSequenceNode)container["volumeMounts"]).Select(m => ((YamlMappingNode)m)["mountPath"].ToString()).ToList();
        Assert.All(Regex.Matches(command, @"(?<= )/(\w+)(?=[/ ])").Select(m => "/" + m.Groups[1].Value).Where(p => p != "/app"), p => Assert.Contains(p, mounts));
        // Every flag the command uses is one the batch command has.
        var help = await CliRun.InvokeAsync("batch", "--help");
        Assert.All(Regex.Matches(command, @"--[a-z-]+").Select(m => m.Value), flag => Assert.Contains(flag, help.Output));
    }

    [Fact]
    public void The_compose_setup_wires_the_camera_broker_and_ports_it_declares()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Read("docker", "docker-compose.yml")));
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        var names = services.Children.Keys.Select(k => k.ToString()).ToHashSet();
        Assert.Equal(new HashSet<string> { "mosquitto", "rtsp", "streamvision" }, names);
        var sv = (YamlMappingNode)services["streamvision"];
        Assert.Equal("docker/Dockerfile.cpu", ((YamlMappingNode)sv["build"])["dockerfile"].ToString());
        var ports = ((YamlSequenceNode)sv["ports"]).Select(p => p.ToString()).ToList();
        Assert.All(ports, p => Assert.StartsWith("127.0.0.1:", p));

        // docker-compose.yml passes only the HTTP token (its broker is mosquitto, not the embedded one).
        var config = ConfigLoader.Load(new ConfigInputs
        {
            File = Path.Combine(SharedData.RepoRoot, "docker", "compose", "streamvision.compose.yaml"),
            Environment = new Dictionary<string, string> { ["STREAMVISION__HTTP__TOKEN"] = Secrets["STREAMVISION__HTTP__TOKEN"] },
        });
        Assert.Contains(config.Mqtt.Host, names);
        Assert.False(config.Mqtt.Embedded.Enabled);
        Assert.Equal($"127.0.0.1:{config.Http.Port}:{config.Http.Port}", Assert.Single(ports));
        var camera = new Uri(Assert.Single(config.Cameras).Url);
        Assert.Contains(camera.Host, names);
        Assert.Contains($"  {camera.AbsolutePath.Trim('/')}:", Read("docker", "compose", "mediamtx.yml"));
        Assert.Contains($"rtspAddress: :{camera.Port}", Read("docker", "compose", "mediamtx.yml"));
    }

    [Fact]
    public void The_systemd_unit_matches_the_install_steps()
    {
        var unit = Read("docker", "systemd", "streamvision.service");
        var deploy = Read("docs", "DEPLOY.md");
        var exec = Regex.Match(unit, @"^ExecStart=(\S+) run --forever --config (\S+)$", RegexOptions.Multiline);
        Assert.True(exec.Success, "ExecStart runs the service with a config file");
        Assert.Contains($"-o {Path.GetDirectoryName(exec.Groups[1].Value)}", deploy);
        Assert.Contains(exec.Groups[2].Value, deploy);
        Assert.Contains("KillSignal=SIGTERM", unit);
        Assert.Contains("User=streamvision", unit);
        Assert.Contains("docker/systemd/streamvision.service", deploy);
    }
}
