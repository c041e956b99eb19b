using System.CommandLine;
using Spectre.Console;

namespace Latchkey.Verify.Cli;

/// <summary>
/// <c>key create|list|remove|register|assert</c>: the software FIDO2 security key. <c>register</c> and <c>assert</c>
/// read the ceremony's options JSON (as a browser receives them) from standard input or <c>--options FILE</c> and print
/// the <c>PublicKeyCredential</c> JSON on one line.
/// </summary>
internal static class KeyCommands
{
    public static Command Build(CliEnvironment environment, GlobalOptions globals)
    {
        var command = new Command("key", "A software FIDO2 security key (ES256, packed self attestation, a signature counter) for tests and demos.");
        var createName = Name();
        var create = new Command("create", "Create a software security key.") { createName };
        create.SetAction(VerifyCommandLine.Guarded(environment, globals, (context, _) =>
        {
            var key = context.App.CreateSecurityKey(context.Parse.GetValue(createName)!);
            environment.Out.WriteLine($"Created security key {key.Name} (AAGUID {key.Aaguid}); a software key, not hardware-protected.");
            return Task.FromResult(ExitCodes.Ok);
        }));

        var list = new Command("list", "List the software security keys and their credentials.");
        list.SetAction(VerifyCommandLine.Guarded(environment, globals, (context, _) =>
        {
            var keys = context.App.Home.Load().SecurityKeys;
            if (keys.Count == 0)
            {
                environment.Out.WriteLine($"No security keys in {context.App.Home.Directory}: create one with `latchkey-verify key create NAME`.");
                return Task.FromResult(ExitCodes.Ok);
            }

            var table = new Table().AddColumns("Key", "AAGUID", "Relying party", "User", "Credential id", "Counter");
            foreach (var key in keys)
            {
                if (key.Credentials.Count == 0)
                {
                    table.AddRow(Markup.Escape(key.Name), key.Aaguid.ToString(), "", "", "", "");
                }

                foreach (var credential in key.Credentials)
                {
                    table.AddRow(Markup.Escape(key.Name), key.Aaguid.ToString(), Markup.Escape(credential.RpId), Markup.Escape(credential.UserName ?? ""),
                        Markup.Escape(credential.Id), credential.SignCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            context.Console.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        }));

        var removeName = Name();
        var remove = new Command("remove", "Remove a software security key and its credentials.") { removeName };
        remove.SetAction(VerifyCommandLine.Guarded(environment, globals, (context, _) =>
        {
            context.App.RemoveSecurityKey(context.Parse.GetValue(removeName)!);
            environment.Out.WriteLine($"Removed security key {context.Parse.GetValue(removeName)}.");
            return Task.FromResult(ExitCodes.Ok);
        }));

        command.Subcommands.Add(create);
        command.Subcommands.Add(list);
        command.Subcommands.Add(remove);
        command.Subcommands.Add(Ceremony(environment, globals, "register", "Make a credential for PublicKeyCredentialCreationOptions JSON; print the registration response JSON.",
            (app, name, options, origin) => app.RegisterWithSecurityKey(name, options, origin)));
        command.Subcommands.Add(Ceremony(environment, globals, "assert", "Sign PublicKeyCredentialRequestOptions JSON; print the assertion response JSON.",
            (app, name, options, origin) => app.AssertWithSecurityKey(name, options, origin)));
        return command;
    }

    private static Command Ceremony(CliEnvironment environment, GlobalOptions globals, string verb, string description, Func<AuthenticatorApp, string, string, string, string> run)
    {
        var name = Name();
        var options = new Option<FileInfo?>("--options") { Description = "A file with the options JSON (default: standard input)." };
        var origin = new Option<string?>("--origin") { Description = "The page's origin, e.g. http://127.0.0.1:8080 (default: --org)." };
        var command = new Command(verb, description) { name, options, origin };
        command.SetAction(VerifyCommandLine.Guarded(environment, globals, async (context, cancellationToken) =>
        {
            var from = context.Parse.GetValue(origin) ?? context.Org
                ?? throw new VerifyException(ExitCodes.Usage, "give the relying party's origin with --origin URL (or --org URL)");
            var file = context.Parse.GetValue(options);
            var json = file is null ? await environment.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(file.FullName, cancellationToken);
            environment.Out.WriteLine(run(context.App, context.Parse.GetValue(name)!, json, from.TrimEnd('/')));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Argument<string> Name() => new("NAME") { Description = "The security key's name." };
}
