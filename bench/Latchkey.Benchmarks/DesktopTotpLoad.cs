using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Latchkey.Benchmarks;

/// <summary>
/// <c>desktop-totp-load</c>: online Desktop MFA sign-ins with the org account's code (<c>POST
/// /device-access/desktop-mfa/v1/code</c>, as <c>latchkey-desktop login --method code</c> sends it) at
/// <c>--connections</c> at once against a running server (issue 13: at least 500/s at 16 connections on SQLite). The
/// setup makes a Desktop MFA app (its client secret comes in the create answer), a group assigned to it, and
/// <c>--users</c> active people (with a password) in that group each with an active TOTP factor (as <c>totp-load</c>
/// makes them). The run authenticates as the app (HTTP Basic) and sends each person the codes of two consecutive steps,
/// in order, so every request is a success: the client check, the person's assignment and the app's access policy, the
/// code claimed once, and its log events. bench/load/desktop-totp.sh starts the server and runs this.
/// <code>dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll desktop-totp-load --url URL --token T --users 6000 --connections 16 --seconds 20</code>
/// </summary>
internal static class DesktopTotpLoad
{
    private const string CodePath = "/device-access/desktop-mfa/v1/code";

    private sealed record Person(string Login, byte[] Secret);

    public static async Task<int> RunAsync(string[] args)
    {
        var (count, connections, seconds) = CodeRun.Size(args, "--users", 6_000);
        using var target = LoadTarget.FromArgs(args, connections);
        var run = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
        var app = await target.PostAsync("/api/v1/apps", new JsonObject { ["name"] = "desktop_mfa", ["label"] = $"Desktop MFA {run}" });
        var appId = (string)app["id"]!;
        var clientSecret = (string)app["credentials"]!["oauthClient"]!["client_secret"]!;
        var groupId = (string)(await target.PostAsync("/api/v1/groups", new JsonObject { ["profile"] = new JsonObject { ["name"] = $"Desktop MFA bench {run}" } }))["id"]!;
        using (var assign = await target.Admin.PutAsync($"/api/v1/apps/{appId}/groups/{groupId}", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            assign.EnsureSuccessStatusCode();
        }

        Console.WriteLine($"setup: Desktop MFA app {appId}, {count} people in a group assigned to it, each with an active TOTP factor ({connections} at once)");
        var people = await LoadTarget.SetUpAsync(count, connections, 1000, i => SetUpAsync(target, $"dmfa-{run}-{i}@example.com", groupId));

        var work = await CodeRun.CodesFromNextStepAsync(people, p => p.Secret);
        // The agent's client: the app's credentials on every request, as the profile's DMFAClientID and DMFAClientSecret.
        using var agent = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections }) { BaseAddress = new Uri(target.Url), Timeout = TimeSpan.FromSeconds(60) };
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(appId)}:{Uri.EscapeDataString(clientSecret)}")));
        return await CodeRun.RunAsync(target, work, connections, seconds, "desktop-mfa-code", "sign-ins", "sign-in", "--users",
            (person, code, worker) => SignInAsync(agent, person, code, $"Bench Mac {worker}"));
    }

    private static async Task<Person> SetUpAsync(LoadTarget target, string login, string groupId)
    {
        // Desktop MFA admits only people who can sign in (ACTIVE), which takes a password; the sign-ins never check it.
        var user = await target.CreateUserAsync(login, "Desktop", "Tr0ub4dor&3Kx", [groupId]);
        var (_, secret) = await CodeRun.ActiveTotpFactorAsync(target, (string)user["id"]!);
        return new Person(login, secret);
    }

    /// <summary>The answer's status, and its body when it is not a success.</summary>
    private static async Task<(HttpStatusCode, string?)> SignInAsync(HttpClient agent, Person person, string code, string computer)
    {
        // As the agent sends it: the computer's name and its id (from the agent's state), so the server records the person's seat there.
        var body = new JsonObject
        {
            ["login"] = person.Login, ["computer"] = new JsonObject { ["id"] = computer.Replace(' ', '-').ToLowerInvariant(), ["name"] = computer }, ["code"] = code,
        };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await agent.PostAsync(CodePath, content);
        return (response.StatusCode, response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
