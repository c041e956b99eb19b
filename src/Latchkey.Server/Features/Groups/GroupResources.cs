using System.Text.Json.Nodes;
using Latchkey.Contracts;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Api;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Groups;

public static class GroupTypes
{
    public const string Okta = "OKTA_GROUP";
    public const string App = "APP_GROUP";
    public const string BuiltIn = "BUILT_IN";
    public const string EveryoneName = "Everyone";
}

public static class GroupResources
{
    private static readonly string[] UserGroupClass = ["okta:user_group"];
    private static readonly string[] AppGroupClass = ["okta:windows_security_principal"];

    public static GroupResource ToResource(GroupEntity group, string apiBase, GroupStatsResource? stats = null)
    {
        var self = $"{apiBase}/groups/{group.Id}";
        var orgUrl = apiBase[..^"/api/v1".Length];
        var links = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["logo"] = new[]
            {
                new Link($"{orgUrl}/assets/img/logos/groups/okta-medium.png") { Name = "medium", Type = "image/png" },
                new Link($"{orgUrl}/assets/img/logos/groups/okta-large.png") { Name = "large", Type = "image/png" },
            },
            ["users"] = new Link($"{self}/users"),
            ["apps"] = new Link($"{self}/apps"),
            ["self"] = new Link(self),
        };
        return new GroupResource
        {
            Id = group.Id,
            Created = group.Created,
            LastUpdated = group.LastUpdated,
            LastMembershipUpdated = group.LastMembershipUpdated,
            ObjectClass = group.Type == GroupTypes.App ? AppGroupClass : UserGroupClass,
            Type = group.Type,
            Profile = JsonNode.Parse(group.ProfileJson, documentOptions: ApiJson.DocumentOptions) as JsonObject ?? [],
            Embedded = stats is null ? null : new Dictionary<string, object> { ["stats"] = stats },
            Links = links,
        };
    }

    public static LogTarget Target(GroupEntity group) => new(group.Id, "UserGroup", group.Name, group.Name);
}
