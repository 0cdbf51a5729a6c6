using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace StreamVision.Tests.Support;

/// <summary>
/// A real mosquitto broker (Debian's package) on 127.0.0.1 for a test: optional password file, ACL,
/// TLS listener with certificates made by <see cref="TestCertificates"/>, and persistence so a
/// subscriber's session survives a kill. <see cref="Kill"/> and <see cref="Start"/> simulate an outage.
/// </summary>
public sealed class MosquittoBroker : IDisposable
{
    private readonly TempDir _dir = new();
    private Process? _process;

    public int Port { get; } = FreePort.Next();
    public int TlsPort { get; } = FreePort.Next();
    public string Directory => _dir.Path;
    public TestCertificates? Certificates { get; private set; }

    /// <param name="users">username → password; none allows anonymous clients.</param>
    /// <param name="acl">mosquitto ACL file text (needs users).</param>
    public static MosquittoBroker Start(IReadOnlyDictionary<string, string>? users = null, string? acl = null, bool tls = false)
    {
        var broker = new MosquittoBroker();
        // Started as root, mosquitto drops to its own user: it must be able to write its database here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(broker.Directory, (UnixFileMode)0x1FF);
        }
        var config = new List<string>
        {
            $"listener {broker.Port} 127.0.0.1",
            $"persistence true",
            $"persistence_location {broker.Directory}/",
            "autosave_interval 1",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
        };
        if (users is { Count: > 0 })
        {
            var passwords = Path.Combine(broker.Directory, "passwords");
            File.WriteAllText(passwords, "");
            foreach (var (user, password) in users)
            {
                Run("mosquitto_passwd", "-b", passwords, user, password);
            }
            config.Add("allow_anonymous false");
            config.Add($"password_file {passwords}");
        }
        else
        {
            config.Add("allow_anonymous true");
        }
        if (acl is not null)
        {
            config.Add($"acl_file {broker._dir.File("acl", acl)}");
        }
        if (tls)
        {
            broker.Certificates = TestCertificates.Create(broker.Directory);
            config.Add($"listener {broker.TlsPort} 127.0.0.1");
            config.Add($"cafile {broker.Certificates.CaFile}");
            config.Add($"certfile {broker.Certificates.ServerCertFile}");
            config.Add($"keyfile {broker.Certificates.ServerKeyFile}");
            config.Add("require_certificate true");
        }
        broker._dir.File("mosquitto.conf", string.Join('\n', config) + "\n");
        broker.Start();
        return broker;
    }

    /// <summary>Starts (again) on the same ports and waits until it accepts connections.</summary>
    public void Start()
    {
        var start = new ProcessStartInfo("mosquitto", ["-c", Path.Combine(Directory, "mosquitto.conf")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start; install Debian's 'mosquitto' package.");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>SIGKILL: no goodbye to anyone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed: {process.StandardError.ReadToEnd()}");
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        _dir.Dispose();
    }
}

/// <summary>A private CA, a server certificate for 127.0.0.1/localhost and a client certificate,
/// made fresh for a test and written as PEM files.</summary>
public sealed record TestCertificates(string CaFile, string ServerCertFile, string ServerKeyFile, string ClientCertFile, string ClientKeyFile, string OtherCaFile)
{
    public static TestCertificates Create(string directory)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=StreamVision Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));

        string Write(string name, string pem)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, pem);
            return path;
        }
        (string Cert, string Key) Issue(string name, string subject, bool server)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
            if (server)
            {
                var names = new SubjectAlternativeNameBuilder();
                names.AddIpAddress(IPAddress.Loopback);
                names.AddDnsName("localhost");
                request.CertificateExtensions.Add(names.Build());
            }
            var serial = RandomNumberGenerator.GetBytes(8);
            using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), serial);
            return (Write($"{name}.crt", certificate.ExportCertificatePem()), Write($"{name}.key", key.ExportPkcs8PrivateKeyPem()));
        }

        var caFile = Write("ca.crt", ca.ExportCertificatePem());
        var (serverCert, serverKey) = Issue("server", "CN=localhost", server: true);
        var (clientCert, clientKey) = Issue("client", "CN=streamvision-client", server: false);
        using var otherKey = RSA.Create(2048);
        using var other = new CertificateRequest("CN=Someone Else's CA", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        return new TestCertificates(caFile, serverCert, serverKey, clientCert, clientKey, Write("other-ca.crt", other.ExportCertificatePem()));
    }
}
