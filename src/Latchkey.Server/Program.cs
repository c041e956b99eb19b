using Latchkey.Server.Hosting;
using Latchkey.Server.Persistence;
using Microsoft.Extensions.Options;

try
{
    // appsettings.json ships beside the executable; relative data paths are taken from the working directory.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddLatchkey();
    var app = builder.Build();
    _ = app.Services.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
    app.Services.GetRequiredService<FirstStartHolder>().Value =
        await DatabaseInitializer.InitializeAsync(app.Services, app.Lifetime.ApplicationStopping);
    app.UseLatchkey();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is OptionsValidationException or InvalidOperationException { Source: "Microsoft.Extensions.Configuration.Binder" })
{
    await Console.Error.WriteLineAsync($"latchkey: configuration error: {e.Message}");
    return 2;
}
catch (Exception e) when (e is System.Data.Common.DbException or System.Net.Sockets.SocketException)
{
    await Console.Error.WriteLineAsync($"latchkey: cannot open the database: {e.Message} " +
        "(check Latchkey:Database:Provider and Latchkey:Database:ConnectionString)");
    return 3;
}

/// <summary>The entry point, visible to <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
