using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.AuthenticatorApp;

/// <summary>
/// The authenticator app's channel (docs/authenticator-app.md): enroll (<c>POST /idp/authenticators</c>, with the
/// session), wait for pushes (<c>GET /idp/authenticators/{enrollmentId}/pending</c>, signed by the device) and
/// answer one (<c>POST /idp/idx/authenticators/{authenticatorId}/transactions/{transactionId}/verify</c>, the answer
/// itself signed). Errors have the Management API's <c>errorCode</c> shape.
/// </summary>
public static class AppChannelEndpoints
{
    /// <summary>The paths whose failures are answered in the API's error shape rather than IDX's.</summary>
    public static bool IsChannel(PathString path) =>
        path.StartsWithSegments("/idp/authenticators")
        || (path.StartsWithSegments("/idp/idx/authenticators") && path.Value!.Contains("/transactions/", StringComparison.Ordinal));

    public static void MapAuthenticatorAppEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/idp/authenticators", Enroll);
        app.MapGet("/idp/authenticators/{enrollmentId}/pending", Pending);
        app.MapPost("/idp/idx/authenticators/{authenticatorId}/transactions/{transactionId}/verify", Verify);
    }

    private static async Task<IResult> Enroll(HttpContext context, AppEnrollments enrollments) =>
        ApiResponses.Json(await enrollments.EnrollAsync(context, context.RequestAborted));

    private static async Task<IResult> Pending(string enrollmentId, HttpContext context, LatchkeyDbContext db, DeviceRequests devices, PushChallenges pushes)
    {
        var ct = context.RequestAborted;
        var orgId = await ServerOrg.IdAsync(db, ct);
        var caller = await devices.AuthenticateAsync(context, orgId, ct);
        if (caller.Enrollment.Id != enrollmentId)
        {
            throw DeviceRequests.Refused("invalid_token: the token is for another enrollment");
        }

        var wait = context.Request.Query["wait"].ToString() is { Length: > 0 } text
            ? int.TryParse(text, out var seconds) && seconds is >= 0 and <= PushChallenges.MaxWaitSeconds
                ? seconds
                : throw new ApiException(ApiErrors.Validation("wait", $"Seconds to wait, 0 to {PushChallenges.MaxWaitSeconds}"))
            : 25;
        var pending = await pushes.PendingAsync(caller, TimeSpan.FromSeconds(wait), ct);
        var authenticatorId = await db.Authenticators.AsNoTracking().Where(a => a.OrgId == orgId && a.Key == DefaultAuthenticators.OktaVerify)
            .Select(a => a.Id).FirstAsync(ct);
        var orgUrl = ApiUrls.OrgUrl(context.Request);
        return ApiResponses.Json(new JsonArray(pending.Select(p => (JsonNode)PushChallenges.ToPending(p, authenticatorId, orgUrl)).ToArray()));
    }

    private static async Task<IResult> Verify(string authenticatorId, string transactionId, HttpContext context, LatchkeyDbContext db, PushChallenges pushes,
        FastPassChallenges fastPass)
    {
        var ct = context.RequestAborted;
        var orgId = await ServerOrg.IdAsync(db, ct);
        // FastPass answers may come as query parameters instead (?challengeResponse=&stateHandle=, okta-api.md §10.5).
        var queryResponse = context.Request.Query["challengeResponse"].ToString();
        var body = queryResponse.Length > 0 && (context.Request.ContentLength ?? 0) == 0 ? new JsonObject()
            : await JsonBody.ReadObjectAsync(context.Request, allowEmpty: queryResponse.Length > 0);
        var method = JsonBody.String(body, "method", "method") ?? (queryResponse.Length > 0 ? FastPassChallenges.Method : null);
        if (method == FastPassChallenges.Method)
        {
            return await AnswerFastPassAsync(fastPass, orgId, authenticatorId, transactionId,
                JsonBody.String(body, "challengeResponse", "challengeResponse") ?? (queryResponse.Length > 0 ? queryResponse : null), context);
        }

        if (!await db.Authenticators.AsNoTracking().AnyAsync(a => a.Id == authenticatorId && a.OrgId == orgId && a.Key == DefaultAuthenticators.OktaVerify, ct))
        {
            throw new ApiException(ApiErrors.NotFound(authenticatorId, "Authenticator"));
        }

        if (method != "push")
        {
            throw new ApiException(ApiErrors.Validation("method", "push or signed_nonce"));
        }

        var result = await pushes.AnswerAsync(orgId, transactionId, JsonBody.String(body, "challengeResponse", "challengeResponse"),
            ApiUrls.OrgUrl(context.Request), ct);
        return ApiResponses.Json(new JsonObject { ["factorResult"] = result });
    }

    /// <summary>A FastPass answer: 200 <c>{factorResult: SUCCESS}</c>, or the refusal as an IDX error (the device shows the message).</summary>
    private static async Task<IResult> AnswerFastPassAsync(FastPassChallenges fastPass, string orgId, string authenticatorId, string transactionId, string? response,
        HttpContext context)
    {
        try
        {
            await fastPass.AnswerAsync(orgId, authenticatorId, transactionId, response, ApiUrls.OrgUrl(context.Request), context.RequestAborted);
            return SignIn.IdxEndpoints.Ion(new JsonObject { ["version"] = SignIn.IdxResponses.Version, ["factorResult"] = "SUCCESS" });
        }
        catch (FastPassRefusedException refusal)
        {
            return SignIn.IdxEndpoints.Ion(SignIn.IdxResponses.Error(SignIn.IdxResponses.Message(refusal.Message, "oie.okta_verify.signed_nonce." + refusal.Reason)),
                refusal.Status);
        }
    }
}
