using Latchkey.Core.Errors;
using Microsoft.AspNetCore.Routing.Template;

namespace Latchkey.Server.Api;

/// <summary>
/// The one answer for a request no route claims, on every path (under <c>/api/v1</c> or not, such as the
/// SDK's <c>/device-access/api/v1/...</c>): 405 <c>E0000022</c> with <c>Allow</c> when the path exists for
/// other methods, else 404 <c>E0000007</c>, always with the JSON error body clients parse. It is a fallback
/// endpoint, chosen by routing only when no other route matches: a route mapped later (a page at
/// <c>/</c> or <c>/admin</c>) takes precedence without any change here.
/// </summary>
public static class UnmatchedRequests
{
    public static IEndpointConventionBuilder MapUnmatchedFallback(this IEndpointRouteBuilder app)
    {
        var routes = new Lazy<IReadOnlyList<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)>>(() => Routes(app));
        return app.MapFallback("{*path}", context =>
        {
            var allowed = routes.Value
                .Where(r => r.Matcher.TryMatch(context.Request.Path, new RouteValueDictionary()))
                .SelectMany(r => r.Methods).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (allowed.Count > 0)
            {
                context.Response.Headers.Allow = string.Join(", ", allowed);
                return ApiErrorHandling.WriteAsync(context, ApiErrors.MethodNotAllowed(context.Request.Method));
            }

            return ApiErrorHandling.WriteAsync(context, ApiErrors.NotFoundPath());
        });
    }

    /// <summary>Every route with methods (the fallback itself has none), as a matcher of its path.</summary>
    private static List<(TemplateMatcher, IReadOnlyList<string>)> Routes(IEndpointRouteBuilder app) =>
        app.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(r => r.Methods.Count > 0)
            .Select(r => (new TemplateMatcher(new RouteTemplate(r.Endpoint.RoutePattern), new RouteValueDictionary()), r.Methods))
            .ToList();
}
