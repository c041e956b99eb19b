using System.Text.Json;

namespace Latchkey.Server.Api;

/// <summary>Responses with <c>Content-Type: application/json</c> on every body, as the SDKs require.</summary>
public static class ApiResponses
{
    public const string JsonContentType = "application/json";

    public static IResult Json<T>(T value, int status = StatusCodes.Status200OK) =>
        TypedResults.Json(value, ApiJson.Options, JsonContentType, status);

    /// <summary>An empty JSON object: what the real service answers for lifecycle calls without a result.</summary>
    public static IResult EmptyObject() => TypedResults.Text("{}", JsonContentType, null, StatusCodes.Status200OK);

    public static IResult NoContent() => TypedResults.NoContent();

    public static Task WriteAsync<T>(HttpContext context, T value, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = JsonContentType;
        return JsonSerializer.SerializeAsync(context.Response.Body, value, ApiJson.Options, context.RequestAborted);
    }
}
