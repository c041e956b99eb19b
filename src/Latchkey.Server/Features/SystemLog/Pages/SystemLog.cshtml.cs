using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Features.SystemLog.Pages;

/// <summary>One event as the page lists it: the summary columns, and the whole event as indented JSON for its details.</summary>
public sealed record EventRow(DateTimeOffset Published, string Actor, string EventType, string DisplayMessage, string Outcome,
    string? Reason, string Targets, string Json);

/// <summary>
/// Reports > System Log: newest first, the foundation's filter grammar (as <c>GET /api/v1/logs?filter=</c>) and <c>q</c>
/// keywords, read through the same query code as the API; a bad filter is shown in the alert region with the parser's message.
/// </summary>
public sealed class SystemLogPageModel(LatchkeyDbContext db, TimeProvider time) : ConsolePage
{
    public const int PageSize = 50;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public override AdminPermission Reads => AdminPermission.LogsRead;
    public override string Section => ConsoleNavigation.SystemLog;

    [BindProperty(SupportsGet = true)] public string? Filter { get; set; }
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    /// <summary>The position after the last event of the previous page (the API's bounded cursor).</summary>
    [BindProperty(SupportsGet = true)] public string? Before { get; set; }

    public IReadOnlyList<EventRow> Rows { get; private set; } = [];
    public string? NextHref { get; private set; }

    public async Task OnGetAsync()
    {
        if (Filter?.Length > MaxFieldLength)
        {
            Refuse($"A filter has at most {MaxFieldLength} characters.");
            return;
        }

        try
        {
            var query = new SystemLogApi.LogQuery(Since: DateTimeOffset.MinValue, Until: null, Descending: true, PageSize,
                Cursor: string.IsNullOrEmpty(Before) ? null : Before, SystemLogApi.ParseFilter(Filter), SystemLogApi.ParseKeywords(Q ?? ""));
            var (page, next) = await SystemLogApi.SearchAsync(db, Me.OrgId, query, time.GetUtcNow(), HttpContext.RequestAborted);
            Rows = page.Select(ToRow).ToList();
            if (next is not null)
            {
                NextHref = "/admin/system-log?before=" + Uri.EscapeDataString(next)
                    + (string.IsNullOrEmpty(Filter) ? "" : "&filter=" + Uri.EscapeDataString(Filter))
                    + (string.IsNullOrEmpty(Q) ? "" : "&q=" + Uri.EscapeDataString(Q));
            }
        }
        catch (ApiException e)
        {
            Refuse($"{e.Error.Summary} {Describe(e.Error)}".Trim());
        }
    }

    private static EventRow ToRow(LogEventEntity e)
    {
        var json = JsonNode.Parse(e.Json, documentOptions: ApiJson.DocumentOptions) ?? new JsonObject();
        var actor = json["actor"];
        var targets = (json["target"] as JsonArray ?? []).Select(t => $"{(string?)t?["displayName"] ?? (string?)t?["id"]} ({(string?)t?["type"]})");
        return new EventRow(e.Published, $"{(string?)actor?["displayName"]} ({(string?)actor?["alternateId"]})", e.EventType,
            (string?)json["displayMessage"] ?? "", e.OutcomeResult, (string?)json["outcome"]?["reason"], string.Join(", ", targets),
            json.ToJsonString(Indented));
    }
}
