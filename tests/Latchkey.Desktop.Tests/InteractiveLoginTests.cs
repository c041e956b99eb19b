using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Latchkey.Verify;
using Latchkey.Verify.Channel;
using Latchkey.Verify.State;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>
/// The interactive <c>latchkey-desktop login</c> as a person sees it in a terminal (issue 13): the real executable in a
/// tmux session against a real server, the method menu read off the screen, push chosen with the keyboard, the number to
/// match shown on its own line, the push approved with that number by the person's authenticator app
/// (latchkey-verify's library), then the success message and exit code 0.
/// </summary>
public sealed partial class InteractiveLoginTests : IDisposable
{
    private const string Password = "Tr0ub4dor&3Kx-terminal";
    private static readonly TimeSpan ScreenTimeout = TimeSpan.FromSeconds(60);
    private readonly TestFolder folder = new();
    private readonly string verifyHome = Directory.CreateTempSubdirectory("latchkey-desktop-verify-").FullName;

    public void Dispose()
    {
        folder.Dispose();
        Directory.Delete(verifyHome, recursive: true);
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Login_without_a_method_shows_the_menu_then_a_push_chosen_by_keyboard_shows_the_number_and_signs_in_once_approved_with_it()
    {
        await using var server = await LatchkeyServerProcess.StartAsync(Cancel);
        const string login = "dana@example.com";
        var user = await server.SendAsync(HttpMethod.Post, "/api/v1/users?activate=true", new JsonObject
        {
            ["profile"] = new JsonObject { ["firstName"] = "Dana", ["lastName"] = "Desk", ["email"] = login, ["login"] = login },
            ["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = Password } },
        });
        var app = await server.SendAsync(HttpMethod.Post, "/api/v1/apps", new JsonObject { ["name"] = "desktop_mfa", ["label"] = "Desktop MFA" });
        var appId = (string)app["id"]!;
        await server.SendAsync(HttpMethod.Post, $"/api/v1/apps/{appId}/users", new JsonObject { ["id"] = (string)user["id"]! });
        await server.SendAsync(HttpMethod.Put, "/device-access/api/v1/desktop-mfa/enforce-number-matching-challenge-settings",
            new JsonObject { ["desktopMFAEnforceNumberMatchingChallengeEnabled"] = true });
        var profile = folder.WriteProfile((await server.SendAsync(HttpMethod.Get, $"/api/v1/apps/{appId}/desktop-mfa/profile")).ToJsonString());
        var phone = new AuthenticatorApp(new VerifyHome(verifyHome));
        var account = await phone.EnrollAsync(server.Url, login, Password, new DeviceDescription("LINUX", "6.1.0", "Dana's phone", null, null, null), Cancel);

        // The agent stops by itself after 120 s (in the foreground: a background process group could not read the terminal);
        // the pane stays open after it, with its exit code, until the tmux server is killed.
        var agent = Path.Combine(AppContext.BaseDirectory, "latchkey-desktop.dll");
        using var pane = await TmuxPane.StartAsync(
            $"DOTNET_NOLOGO=1 timeout --foreground 120 dotnet {Quote(agent)} login --profile {Quote(profile)} --user {login} --state {Quote(folder.StatePath)}; echo EXIT=$?; sleep 300");

        var menu = await pane.WaitForAsync(s => s.Any(l => l.StartsWith("Choose a method (1-", StringComparison.Ordinal)), "the method menu", ScreenTimeout);
        Assert.Contains($"Sign-in methods for {login}:", menu);
        var pushChoice = menu.Select(l => MenuPushLine().Match(l)).SingleOrDefault(m => m.Success);
        Assert.True(pushChoice is not null, "no push in the menu:\n" + string.Join('\n', menu));
        await pane.TypeLineAsync(pushChoice.Groups[1].Value);

        var shown = await pane.WaitForAsync(s => s.Any(l => NumberLine().IsMatch(l)), "the number to match", ScreenTimeout);
        var number = int.Parse(shown.Select(l => NumberLine().Match(l)).Single(m => m.Success).Groups[1].Value, CultureInfo.InvariantCulture);
        var push = (await phone.PendingAsync(account, 20, Cancel)).Single();
        Assert.True(push.NumberChallenge);
        Assert.Equal("SUCCESS", await phone.AnswerAsync(account, push, approve: true, number, Cancel));

        var done = await pane.WaitForAsync(s => s.Any(l => l.StartsWith("EXIT=", StringComparison.Ordinal)), "the agent's exit", ScreenTimeout);
        Assert.Contains($"Signed in {login} online with a push.", done);
        Assert.Contains("EXIT=0", done);
        Assert.NotNull(folder.State().LoadUser(login)!.LastOnlineSignIn);
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^  (\d+)\. a push to the authenticator app \(OV_Push\)$")]
    private static partial Regex MenuPushLine();

    [GeneratedRegex(@"^Choose the number (\d+) in the authenticator app$")]
    private static partial Regex NumberLine();
}
