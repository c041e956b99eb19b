using Latchkey.Contracts;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Microsoft.AspNetCore.Http.Features;

namespace Latchkey.Server.Api;

/// <summary>
/// Turns every failure under /api/v1 into the error body of the real service. Expected refusals come as
/// <see cref="ApiException"/>; anything else is logged for the operator and answered 500 E0000009 with no
/// stack trace, SQL or exception text. A path no route claims is answered by <see cref="UnmatchedRequests"/>.
/// </summary>
public sealed partial class ApiErrorHandling(RequestDelegate next, ILogger<ApiErrorHandling> logger)
{
    public Task InvokeAsync(HttpContext context) =>
        GuardAsync(context, next, WriteAsync, e => LogUnhandled(logger, e, context.Request.Method, context.Request.Path, RequestIds.Of(context)));

    /// <summary>
    /// Runs <paramref name="next"/> and answers any failure with <paramref name="write"/>: an <see cref="ApiException"/> as its
    /// error, a bad or oversized body as E0000003 (413 when too large), anything else as 500 E0000009 after
    /// <paramref name="logUnhandled"/>. Shared by every error shape (the API's and IDX's).
    /// </summary>
    public static async Task GuardAsync(HttpContext context, RequestDelegate next, Func<HttpContext, ApiError, Task> write, Action<Exception> logUnhandled)
    {
        try
        {
            await next(context);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await write(context, e.Error);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0;
            await write(context, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? ApiErrors.PayloadTooLarge(limit)
                : ApiErrors.MalformedBody());
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            logUnhandled(e);
            await write(context, ApiErrors.Internal());
        }
    }

    public static Task WriteAsync(HttpContext context, ApiError error)
    {
        var body = new ErrorBody(error.Code, error.Summary, error.Code, IdPrefixError + RandomIds.NewBase62(22),
            error.Causes.Select(c => new ErrorCause(c)).ToList());
        return ApiResponses.WriteAsync(context, body, error.Status);
    }

    private const string IdPrefixError = "oae";

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path} (request {RequestId})")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path, string requestId);
}
