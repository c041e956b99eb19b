using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// <c>lifecycle/activate</c> and <c>lifecycle/deactivate</c> of a policy or a rule (204): the same status again changes
/// nothing and logs nothing; a system one (the Default Policy, the catch-all rule) is never deactivated.
/// </summary>
public static class PolicyLifecycle
{
    public static async Task<IResult> SetStatusAsync<T>(HttpContext context, OrgWrite write, SystemLogWriter log, TimeProvider time, string status,
        Func<string, CancellationToken, Task<T>> findTracked, Func<T, ApiError> systemRefusal, EventType activated, EventType deactivated,
        Func<T, LogTarget> target) where T : IPolicyLifecycle
    {
        var caller = ApiCaller.Required(context);
        await write.RunAsync(caller.OrgId, async () =>
        {
            var item = await findTracked(caller.OrgId, context.RequestAborted);
            if (item.IsSystem && status == PolicyStatus.Inactive)
            {
                throw new ApiException(systemRefusal(item));
            }

            if (item.Status != status)
            {
                item.Status = status;
                item.LastUpdated = IsoTime.Truncate(time.GetUtcNow());
                log.Stage(status == PolicyStatus.Active ? activated : deactivated, [target(item)]);
            }
        }, context.RequestAborted);
        return ApiResponses.NoContent();
    }
}
