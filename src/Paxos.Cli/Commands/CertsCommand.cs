using System.CommandLine;
using System.Security.Cryptography;
using Paxos.Node.Configuration;
using Paxos.Node.Security;

namespace Paxos.Cli.Commands;

/// <summary>
/// <c>paxos certs --config FILE --out DIR</c>: a development CA and a certificate per node of the
/// cluster file and for clients (CONTRACT.md section 5). Run again on the same DIR, it keeps the
/// CA and issues the others anew (a rotation that the nodes pick up without restarting).
/// </summary>
internal static class CertsCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "The cluster file (YAML) whose nodes get certificates.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where to write ca.crt, ca.key, ID.crt, ID.key per node, client.crt and client.key.", Required = true };
        var command = new Command("certs", "Write a development CA and certificates for a cluster's nodes and its clients (PEM).") { config, output };
        command.SetAction(parse =>
        {
            try
            {
                var cluster = ClusterFile.Load(parse.GetRequiredValue(config).FullName);
                string directory = parse.GetRequiredValue(output).FullName;
                bool created = DevelopmentCertificates.Write(cluster, directory);
                Console.WriteLine($"{(created ? "Made a new CA" : "Kept the CA")} in {directory} (ca.crt, ca.key) and issued {string.Join(", ", cluster.Nodes.Select(n => n.Id + ".crt"))} and {DevelopmentCertificates.ClientName}.crt, each with its .key.");
                return CliError.Ok;
            }
            catch (ConfigException e)
            {
                return CliError.Report(CliError.BadUsage, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                return CliError.Report(CliError.Failed, $"cannot write the certificates: {e.Message}");
            }
        });
        return command;
    }
}
