using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace StreamVision.Publish.Mqtt;

/// <summary>Turns <see cref="MqttTls"/> into MQTTnet TLS options. A CA file makes that CA the only
/// trust anchor for the broker's certificate (a private broker's own CA, not the system store);
/// the name in the certificate must still match.</summary>
internal static class MqttTlsSettings
{
    public static MqttClientTlsOptions Build(MqttTls tls, string host)
    {
        var builder = new MqttClientTlsOptionsBuilder().UseTls(true).WithTargetHost(tls.ServerName ?? host);
        if (tls.CertFile is not null)
        {
            var certificate = Load(() => X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile), tls.CertFile, "mqtt.tls.cert_file/key_file");
            // SslStream wants a certificate whose key it can use on every platform: round-trip through PKCS#12.
            var exportable = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
            builder = builder.WithClientCertificates([exportable]);
        }
        if (tls.CaFile is not null)
        {
            var ca = Load(() => X509CertificateLoader.LoadCertificateFromFile(tls.CaFile), tls.CaFile, "mqtt.tls.ca_file");
            builder = builder.WithCertificateValidationHandler(e => Validate(e.Certificate, e.SslPolicyErrors, ca));
        }
        return builder.Build();
    }

    private static bool Validate(X509Certificate? presented, SslPolicyErrors errors, X509Certificate2 ca)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var certificate = new X509Certificate2(presented);
        return chain.Build(certificate);
    }

    private static X509Certificate2 Load(Func<X509Certificate2> load, string file, string key)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new BrokerException($"{key}: cannot read '{file}' as a PEM certificate ({e.Message.Trim()}). Give PEM files the service user can read.");
        }
    }
}
