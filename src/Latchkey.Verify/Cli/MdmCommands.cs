using System.CommandLine;
using Latchkey.Verify.Mdm;

namespace Latchkey.Verify.Cli;

/// <summary>
/// <c>mdm csr|install</c>: the device-management credential an MDM deploys (docs/device-integrations.md). <c>csr</c>
/// prints a PEM certificate signing request for the management key, whole, to standard output; <c>install --cert FILE</c>
/// stores the certificate the device integration issued, refusing one that is not for this key.
/// </summary>
internal static class MdmCommands
{
    public static Command Build(CliEnvironment environment, GlobalOptions globals)
    {
        var command = new Command("mdm", "The device-management credential: a management key, its CSR and the certificate a device integration issued for it.");

        var subject = new Option<string?>("--subject") { Description = "The request's subject, e.g. \"CN=laptop-42\" (default: CN=<this machine's name>)." };
        var newKey = new Option<bool>("--new-key") { Description = "Make a new management key (the installed certificate is dropped)." };
        var csr = new Command("csr", "Print a PEM certificate signing request for the management key (made on first use).") { subject, newKey };
        csr.SetAction(VerifyCommandLine.Guarded(environment, globals, (context, _) =>
        {
            var pem = new ManagementCredential(context.App.Home).CreateSigningRequest(context.Parse.GetValue(subject), context.Parse.GetValue(newKey), context.App.Time.GetUtcNow());
            environment.Out.WriteLine(pem);
            return Task.FromResult(ExitCodes.Ok);
        }));

        var certificate = new Option<FileInfo>("--cert") { Description = "A PEM file with the issued certificate (then any chain).", Required = true };
        var install = new Command("install", "Install the certificate a device integration issued for the management key.") { certificate };
        install.SetAction(VerifyCommandLine.Guarded(environment, globals, async (context, cancellationToken) =>
        {
            var file = context.Parse.GetValue(certificate)!;
            if (!file.Exists)
            {
                throw new VerifyException(ExitCodes.Usage, $"no such file: {file.FullName}");
            }

            var installed = new ManagementCredential(context.App.Home).Install(await File.ReadAllTextAsync(file.FullName, cancellationToken), context.App.Time.GetUtcNow());
            await environment.Out.WriteLineAsync($"Installed management certificate {installed.SerialNumber} ({installed.Subject}), issued by {installed.Issuer}, valid until {installed.NotAfter:u}.");
            return ExitCodes.Ok;
        }));

        command.Subcommands.Add(csr);
        command.Subcommands.Add(install);
        return command;
    }
}
