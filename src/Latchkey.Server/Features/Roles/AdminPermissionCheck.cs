using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Features.ApiTokens;

namespace Latchkey.Server.Features.Roles;

/// <summary>Endpoint metadata: what the caller's admin roles must allow for this route (<see cref="AdminPermissionEndpoints.Requires"/>).</summary>
public sealed record RequiredPermission(AdminPermission Permission);

/// <summary>
/// Endpoint metadata: a route under <c>/api/v1</c> that needs no admin permission, and why (the session cookie's own
/// endpoints and the classic authn take no API token; the fallback only answers 404 or 405).
/// </summary>
public sealed record NoAdminPermission(string Reason);

/// <summary>How a route declares what it needs; every route under <c>/api/v1</c> declares one or the other.</summary>
public static class AdminPermissionEndpoints
{
    public static TBuilder Requires<TBuilder>(this TBuilder builder, AdminPermission permission) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredPermission(permission));

    public static TBuilder NeedsNoAdminPermission<TBuilder>(this TBuilder builder, string reason) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new NoAdminPermission(reason));
}

/// <summary>
/// Runs after <see cref="ApiTokenAuthentication"/> on every <c>/api/v1</c> request and fails closed: the caller's roles
/// (those of the token's owner) must allow every <see cref="RequiredPermission"/> of the matched route, and a route that
/// declares none (and is not marked <see cref="NoAdminPermission"/>) is refused to everyone, super admins included.
/// A refusal is 403 E0000006, before the handler reads the body or the database.
/// </summary>
public sealed class AdminPermissionCheck(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) =>
        IsAllowed(context.GetEndpoint(), ApiCaller.Of(context)) ? next(context) : throw new ApiException(ApiErrors.Forbidden());

    public static bool IsAllowed(Endpoint? endpoint, ApiCaller? caller)
    {
        var required = endpoint?.Metadata.GetOrderedMetadata<RequiredPermission>() ?? [];
        if (required.Count > 0)
        {
            return caller is not null && required.All(r => caller.Grant.Allows(r.Permission));
        }

        return endpoint?.Metadata.GetMetadata<NoAdminPermission>() is not null;
    }
}
