using Latchkey.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.RateLimits;

/// <summary>
/// Password spraying. Every refused password at sign-in (IDX or <c>/api/v1/authn</c>; a wrong password, or any
/// password for a locked, suspended or unknown user) is counted per client address in a fixed window
/// (<c>Latchkey:RateLimits:FailedSignIn</c>, 60 a minute by default; shared by the nodes when the counters are). Past
/// the limit the address's password answers are refused with 429 until the window ends, before any hash is computed:
/// a slow-down to the limit's rate, never a lasting wall, so that an office behind one address is not shut out by
/// its own typos. Right passwords are never counted. Identify and introspect are not affected.
/// </summary>
public sealed class SignInAddressLimit
{
    public const string BucketName = "failed-sign-in";

    private readonly RateLimiter _limiter;
    private readonly AddressBlocks _blocks;
    private readonly RateLimitBucket _bucket;
    private readonly bool _enabled;

    public SignInAddressLimit(RateLimiter limiter, IOptions<LatchkeyOptions> options, TimeProvider time)
    {
        _limiter = limiter;
        _blocks = new AddressBlocks(time);
        var o = options.Value.RateLimits.FailedSignIn;
        _enabled = o.Enabled;
        _bucket = new RateLimitBucket(BucketName, "/idp/idx/*", o.Limit, TimeSpan.FromSeconds(o.WindowSeconds));
    }

    /// <summary>Seconds to wait when <paramref name="context"/>'s address is blocked (also set as <c>Retry-After</c>), else null.</summary>
    public long? RetryAfter(HttpContext context)
    {
        if (!_enabled || !_blocks.IsBlocked(Address(context), out var until))
        {
            return null;
        }

        var seconds = _blocks.RetryAfterSeconds(until);
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return seconds;
    }

    /// <summary>Counts a refused password from the request's address; at the limit the address is blocked until the window ends.</summary>
    public async Task FailAsync(HttpContext context)
    {
        if (!_enabled)
        {
            return;
        }

        var address = Address(context);
        var decision = await _limiter.AcquireAsync("address:" + address, _bucket, context.RequestServices, CancellationToken.None);
        if (!decision.Allowed || decision.Remaining == 0)
        {
            // The failure that reaches the limit starts the wait: the window's allowance is used up.
            _blocks.Block(address, decision.ResetEpochSeconds);
        }
    }

    private static string Address(HttpContext context) => FailedAuthenticationLimit.AddressKey(context.Connection.RemoteIpAddress);
}
