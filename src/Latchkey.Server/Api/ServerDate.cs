namespace Latchkey.Server.Api;

/// <summary>
/// Keeps the <c>Date</c> response header on the server's <see cref="TimeProvider"/>. Clients (latchkey-verify,
/// latchkey-desktop) measure their clock skew from it, and the server checks their signed claims against the same
/// clock; Kestrel's own <c>Date</c> reads the machine clock, so the two would disagree whenever the server runs on any
/// other clock (a shifted or test clock). On the system clock Kestrel's header already is the server's time.
/// </summary>
public static class ServerDate
{
    public static IApplicationBuilder UseServerDate(this IApplicationBuilder app)
    {
        var time = app.ApplicationServices.GetRequiredService<TimeProvider>();
        if (ReferenceEquals(time, TimeProvider.System))
        {
            return app;
        }

        return app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.Date = time.GetUtcNow().ToString("R");
                return Task.CompletedTask;
            });
            return next(context);
        });
    }
}
