using Latchkey.Core.Security;

namespace Latchkey.Server.Api;

/// <summary>Gives every response an <c>X-Okta-Request-Id</c>; the same id is the System Log transaction id.</summary>
public static class RequestIds
{
    public const string Header = "X-Okta-Request-Id";
    private const string ItemKey = "latchkey.requestId";

    public static string Of(HttpContext context) => (string)(context.Items[ItemKey] ??= RandomIds.NewBase62(27));

    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var id = Of(context);
        context.Response.Headers[Header] = id;
        return next(context);
    });
}
