using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Latchkey.Server.Features.Policies;

/// <summary>What <c>latchkey simulate</c> asks: a user (id or login) opening an app (id or label), from a device described by its flags.</summary>
public sealed record SimulateArguments(string User, string App, bool DeviceRegistered, bool DeviceManaged, string? Platform, string Org, string Token);

/// <summary>
/// <c>latchkey simulate</c>: asks a running server (its HTTP API, with an admin's API token) what the app's access policy
/// decides for the user and device, and prints the decision, the matched rule and every condition of every rule tried,
/// with its status and why. Exit 0 whatever the decision; 1 with the reason on standard error when the server refuses
/// or cannot be reached.
/// </summary>
public static class PolicySimulateCommand
{
    public const int Failed = 1;

    private static readonly string[] Header = ["RULE", "STATUS", "CONDITION", "STATUS", "REASON"];

    public static async Task<int> RunAsync(SimulateArguments arguments, HttpMessageHandler? handler, TextWriter output, TextWriter error, CancellationToken ct)
    {
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = new Uri(arguments.Org.TrimEnd('/') + "/");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("SSWS", arguments.Token);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            var user = await GetAsync(http, $"api/v1/users/{Uri.EscapeDataString(arguments.User)}", ct);
            var app = await FindAppAsync(http, arguments.App, ct);
            var device = arguments.DeviceRegistered || arguments.DeviceManaged || arguments.Platform is not null
                ? new JsonObject { ["registered"] = arguments.DeviceRegistered, ["managed"] = arguments.DeviceManaged, ["platform"] = arguments.Platform?.ToUpperInvariant() }
                : null;
            var body = new JsonArray(new JsonObject
            {
                ["appInstance"] = (string?)app["id"],
                ["policyTypes"] = new JsonArray("ACCESS_POLICY"),
                ["policyContext"] = new JsonObject { ["user"] = new JsonObject { ["id"] = (string?)user["id"] }, ["groups"] = new JsonObject { ["ids"] = new JsonArray() }, ["device"] = device },
            });
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("api/v1/policies/simulate?expand=EVALUATED,RULE", content, ct);
            var answer = await ReadAsync(response, ct);
            var evaluation = answer["evaluation"]?[0] ?? throw new SimulateException("The server's answer holds no evaluation.");
            Print(evaluation, (string?)app["label"] ?? "", (string?)user["profile"]?["login"] ?? arguments.User, output);
            return 0;
        }
        catch (SimulateException e)
        {
            await error.WriteLineAsync($"latchkey: simulate: {e.Message}");
            return Failed;
        }
        catch (HttpRequestException e)
        {
            await error.WriteLineAsync($"latchkey: simulate: cannot reach {arguments.Org}: {e.Message}");
            return Failed;
        }
    }

    private static async Task<JsonNode> FindAppAsync(HttpClient http, string app, CancellationToken ct)
    {
        using (var byId = await http.GetAsync($"api/v1/apps/{Uri.EscapeDataString(app)}", ct))
        {
            if (byId.StatusCode != HttpStatusCode.NotFound)
            {
                return await ReadAsync(byId, ct);
            }
        }

        var candidates = await GetAsync(http, $"api/v1/apps?q={Uri.EscapeDataString(app)}&limit=200", ct) as JsonArray ?? [];
        var matches = candidates.Where(a => string.Equals((string?)a?["label"], app, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches switch
        {
            [var one] => one!,
            [] => throw new SimulateException($"no app has the id or label '{app}'."),
            _ => throw new SimulateException($"{matches.Count} apps have the label '{app}': give the app's id."),
        };
    }

    private static async Task<JsonNode> GetAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        return await ReadAsync(response, ct);
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        JsonNode? json = null;
        try
        {
            json = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            // reported below
        }

        if (response.IsSuccessStatusCode && json is not null)
        {
            return json;
        }

        if (json?["errorSummary"] is { } summary)
        {
            var causes = (json["errorCauses"] as JsonArray ?? []).Select(c => (string?)c?["errorSummary"]).Where(c => c is not null).ToList();
            throw new SimulateException($"{(int)response.StatusCode} {json["errorCode"]}: {summary}{(causes.Count > 0 ? " (" + string.Join("; ", causes) + ")" : "")}");
        }

        throw new SimulateException($"{(int)response.StatusCode} {response.ReasonPhrase} from {response.RequestMessage?.RequestUri}");
    }

    /// <summary>The decision and the matched rule on lines of their own (to copy or match), then the rules tried as a table.</summary>
    private static void Print(JsonNode evaluation, string app, string user, TextWriter output)
    {
        var decision = evaluation["decision"];
        var rule = decision?["rule"];
        output.WriteLine($"Decision: {(string?)decision?["access"] ?? "DENY"}");
        output.WriteLine($"Matched rule: {(rule is null ? "(none)" : $"{(string?)rule["name"]} ({(string?)rule["id"]})")}");
        output.WriteLine($"Reason: {(string?)decision?["reason"]}");
        output.WriteLine($"User: {user}  App: {app}");
        output.WriteLine();

        var rows = new List<string[]> { Header };
        foreach (var list in new[] { "evaluated", "undefined", "result" })
        {
            foreach (var policy in evaluation[list]?["policies"] as JsonArray ?? [])
            {
                foreach (var r in policy?["rules"] as JsonArray ?? [])
                {
                    var conditions = (r?["conditions"] as JsonArray ?? []).ToList();
                    var first = true;
                    foreach (var c in conditions.Count == 0 ? [null] : conditions)
                    {
                        rows.Add([
                            first ? (string?)r?["name"] ?? "" : "", first ? (string?)r?["status"] ?? "" : "",
                            c is null ? "(no conditions)" : (string?)c["type"] ?? "", (string?)c?["status"] ?? "", (string?)c?["reason"] ?? "",
                        ]);
                        first = false;
                    }
                }
            }
        }

        var widths = Enumerable.Range(0, 4).Select(i => rows.Max(row => row[i].Length)).ToArray();
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Take(4).Select((cell, i) => cell.PadRight(widths[i]))) + "  " + row[4]);
        }
    }

    private sealed class SimulateException(string message) : Exception(message);
}
