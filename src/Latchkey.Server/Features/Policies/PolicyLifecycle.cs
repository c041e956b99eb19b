using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// <c>lifecycle/activate</c> and <c>lifecycle/deactivate</c> of a policy or a rule (204 in the API; the console's policy page
/// calls the same code): the same status again changes nothing and logs nothing; a system one (the Default Policy, the
/// catch-all rule) is never deactivated.
/// </summary>
public static class PolicyLifecycle
{
    public static async Task<T> SetStatusAsync<T>(ApiCaller caller, OrgWrite write, SystemLogWriter log, TimeProvider time, string status,
        Func<string, CancellationToken, Task<T>> findTracked, Func<T, ApiError> systemRefusal, EventType activated, EventType deactivated,
        Func<T, LogTarget> target, CancellationToken ct) where T : IPolicyLifecycle
    {
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var item = await findTracked(caller.OrgId, ct);
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

            return item;
        }, ct);
    }
}
