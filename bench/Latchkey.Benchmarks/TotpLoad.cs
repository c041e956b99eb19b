using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Latchkey.Benchmarks;

/// <summary>
/// <c>totp-load</c>: TOTP verifications through the API (<c>POST /api/v1/users/{id}/factors/{fid}/verify</c>) at
/// <c>--connections</c> at once against a running server. Every code is accepted once per factor, so the setup makes
/// <c>--factors</c> users each with an active TOTP factor (created, enrolled and activated through the API, progress
/// shown) and the run sends each factor the codes of two consecutive steps, in order: every request is a real success
/// with its replay record and log event. Waits for a fresh 30 s step first, so a run of up to 30 s crosses at most one
/// step boundary (both codes stay inside the drift window). bench/load/totp.sh starts the server and runs this.
/// <code>dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll totp-load --url URL --token T --factors 12000 --connections 16 --seconds 20</code>
/// </summary>
internal static class TotpLoad
{
    private sealed record Factor(string UserId, string FactorId, byte[] Secret);

    public static async Task<int> RunAsync(string[] args)
    {
        var (count, connections, seconds) = CodeRun.Size(args, "--factors", 12_000);
        using var target = LoadTarget.FromArgs(args, connections);
        Console.WriteLine($"setup: {count} users with an active TOTP factor ({connections} at once)");
        var run = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
        var factors = await LoadTarget.SetUpAsync(count, connections, 1000, i => SetUpAsync(target, $"totp-{run}-{i}@example.com"));

        var work = await CodeRun.CodesFromNextStepAsync(factors, f => f.Secret);
        return await CodeRun.RunAsync(target, work, connections, seconds, "totp-verify", "requests", "verification", "--factors",
            (factor, code, _) => VerifyAsync(target.Admin, factor, code));
    }

    private static async Task<Factor> SetUpAsync(LoadTarget target, string login)
    {
        var user = await target.CreateUserAsync(login, "Totp");
        var userId = (string)user["id"]!;
        var (factorId, secret) = await CodeRun.ActiveTotpFactorAsync(target, userId);
        return new Factor(userId, factorId, secret);
    }

    private static async Task<(HttpStatusCode, string?)> VerifyAsync(HttpClient http, Factor factor, string code)
    {
        using var content = new StringContent(new JsonObject { ["passCode"] = code }.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"/api/v1/users/{factor.UserId}/factors/{factor.FactorId}/verify", content);
        return (response.StatusCode, response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
