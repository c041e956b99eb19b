using Latchkey.Desktop.Server;

namespace Latchkey.Desktop.Cli;

/// <summary>
/// An online sign-in at the command line: the method menu (the methods the server says are allowed, in the profile's
/// order), a push (the number to match on its own line, then waiting for the answer) or a code of the org account
/// (<c>--code</c>, or asked for; read from standard input when it is not a terminal).
/// </summary>
internal static class OnlineSignInFlow
{
    public const string Push = "push", Code = "code";

    private static readonly Dictionary<string, (string Method, string Words)> Menu = new(StringComparer.Ordinal)
    {
        ["OV_Push"] = (Push, "a push to the authenticator app"),
        ["OV_TOTP"] = (Code, "a code from the authenticator app's org account"),
        ["Offline_TOTP"] = (DesktopAgent.OfflineCodeMethod, "the device access code of this computer (works offline)"),
        ["FIDO2_USB_key"] = ("security-key", "a security key"),
    };

    /// <summary>Asks the server which methods work for the person now and lets them choose one (of <paramref name="only"/> when given).</summary>
    public static async Task<string> ChooseAsync(CommandRun run, IReadOnlyCollection<string>? only, CancellationToken cancellationToken)
    {
        var methods = await run.Agent.OnlineMethodsAsync(run.User, cancellationToken);
        var offered = methods.Methods.Where(m => m.Available && Menu.ContainsKey(m.Factor) && (only is null || only.Contains(Menu[m.Factor].Method))).ToList();
        var output = run.Environment.Out;
        if (offered.Count == 0)
        {
            var why = string.Join("; ", methods.Methods.Where(m => !m.Available).Select(m => $"{m.Factor}: {m.Reason ?? "not available"}"));
            throw new DesktopException(ExitCodes.FactorNotSetUp,
                $"no sign-in method is available for {run.User} on this computer{(why.Length > 0 ? $" ({why})" : "")}: set up the authenticator app, or ask your administrator");
        }

        output.WriteLine($"Sign-in methods for {run.User}:");
        for (var i = 0; i < offered.Count; i++)
        {
            output.WriteLine($"  {i + 1}. {Menu[offered[i].Factor].Words} ({offered[i].Factor})");
        }

        foreach (var missing in methods.Methods.Where(m => !m.Available && Menu.ContainsKey(m.Factor)))
        {
            output.WriteLine($"  not available: {Menu[missing.Factor].Words} ({missing.Factor}: {missing.Reason ?? "not available"})");
        }

        var answer = run.Environment.Ask($"Choose a method (1-{offered.Count}):").Trim();
        return int.TryParse(answer, out var choice) && choice >= 1 && choice <= offered.Count
            ? Menu[offered[choice - 1].Factor].Method
            : throw new DesktopException(ExitCodes.Usage, $"\"{answer}\" is not one of the methods offered (1-{offered.Count})");
    }

    /// <summary>Signs the person in online with <paramref name="method"/> (push or code); the sign-in is recorded in the machine state.</summary>
    public static async Task<OnlineSignIn> SignInAsync(CommandRun run, string method, string? code, CancellationToken cancellationToken)
    {
        var agent = run.Agent;
        var output = run.Environment.Out;
        if (method == Push)
        {
            var push = await agent.SendPushAsync(run.User, cancellationToken);
            output.WriteLine($"Push sent to the authenticator app of {run.User}.");
            if (push.CorrectAnswer is { } number)
            {
                // The number on its own line with the word "number" (DESIGN.md, CLI conventions), written whole.
                output.WriteLine($"Choose the number {number} in the authenticator app");
            }

            output.WriteLine("Waiting for the answer...");
            output.Flush();
            return await agent.WaitForPushAsync(run.User, push, run.Environment.PushPollInterval, cancellationToken);
        }

        var given = code ?? run.Environment.Ask($"Code for {run.User} (the org account in the authenticator app, not a device access code):");
        return await agent.SignInWithCodeAsync(run.User, given, cancellationToken);
    }
}
