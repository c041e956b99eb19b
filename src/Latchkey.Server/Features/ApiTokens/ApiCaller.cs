using Latchkey.Core.Admin;
using Latchkey.Core.SystemLog;

namespace Latchkey.Server.Features.ApiTokens;

/// <summary>
/// Who is calling the Management API: the API token, the admin it belongs to and that admin's roles (a token acts with
/// its owner's roles as they are now, not as they were when it was created).
/// </summary>
public sealed record ApiCaller(string OrgId, string UserId, string Login, string DisplayName, string TokenId, AdminGrant Grant)
{
    private const string ItemKey = "latchkey.caller";

    public LogActor AsActor() => new(UserId, "User", Login, DisplayName);

    public static ApiCaller? Of(HttpContext context) => context.Items[ItemKey] as ApiCaller;

    public static ApiCaller Required(HttpContext context) =>
        Of(context) ?? throw new InvalidOperationException("The API caller is set by ApiTokenAuthentication before any handler runs.");

    internal void Attach(HttpContext context) => context.Items[ItemKey] = this;
}
