using Latchkey.Core.Errors;
using Latchkey.Server.Api;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// Failures under /idp/idx answered in the IDX error shape (<c>version</c> and <c>messages</c>, which IDX clients read),
/// never a stack trace: a malformed or oversized body is 400/413 with the error catalogue's summary; anything
/// unexpected is logged and answered 500 E0000009.
/// </summary>
public sealed partial class IdxErrorHandling(RequestDelegate next, ILogger<IdxErrorHandling> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        return ApiErrorHandling.GuardAsync(context, next, WriteAsync, e => LogUnhandled(logger, e, context.Request.Path));
    }

    private static Task WriteAsync(HttpContext context, ApiError error)
    {
        var text = error.Causes.Count > 0 ? $"{error.Summary} {string.Join(" ", error.Causes)}" : error.Summary;
        return IdxEndpoints.Ion(IdxResponses.Error(IdxResponses.Message(text, $"errors.{error.Code}")), error.Status).ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in IDX {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string path);
}
