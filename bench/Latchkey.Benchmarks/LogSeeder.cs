using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Api;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Hosting;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.Benchmarks;

/// <summary>
/// <c>seed-log</c>: writes a large, valid System Log straight into a new database, for measuring
/// <c>latchkey log verify</c> and the cost of a checkpoint. One org, <c>--events</c> chained events shaped like
/// the server's (a user created through the API), a checkpoint signed every 1000 events as the server's
/// default does, the last <c>--uncovered</c> events left for the next checkpoint. Then it times one real
/// checkpoint run (verify since the last checkpoint, sign, store, record) and one with nothing new.
/// <code>dotnet run -c Release --project bench/Latchkey.Benchmarks -- seed-log --events 1000000 --Latchkey:DataDir=/tmp/lk-1m</code>
/// </summary>
internal static class LogSeeder
{
    private const int CheckpointEvery = 1000;
    private static readonly string[] Columns = ["@org", "@sequence", "@uuid", "@published", "@type", "@actor", "@outcome", "@json", "@previous", "@hash"];

    public static async Task<int> RunAsync(string[] args)
    {
        var (settings, rest) = ConfigurationArguments.Split(args);
        var events = Argument(rest, "--events", 1_000_000);
        var uncovered = Argument(rest, "--uncovered", CheckpointEvery);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = settings });
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.AddLatchkey();
        await using var app = builder.Build();
        var options = app.Services.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
        Directory.CreateDirectory(options.DataDir);
        var key = app.Services.GetRequiredService<LogSigningKey>();
        var record = app.Services.GetRequiredService<LogCheckpointRecord>();

        var clock = Stopwatch.StartNew();
        string orgId;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
            await db.Database.MigrateAsync();
            if (await db.Orgs.AnyAsync())
            {
                await Console.Error.WriteLineAsync($"seed-log: the database of {options.DataDir} is not empty; give a new Latchkey:DataDir.");
                return 2;
            }

            orgId = RandomIds.NewId("00o");
            db.Orgs.Add(new OrgEntity { Id = orgId, Name = "Log benchmark", Created = DateTimeOffset.UtcNow });
            db.LogChainHeads.Add(new LogChainHeadEntity { OrgId = orgId, Sequence = 0, LastHash = LogChainHasher.Genesis });
            await db.SaveChangesAsync();
            await AppendAsync(db, key, record, orgId, events, signUpTo: events - uncovered);
        }

        Console.WriteLine($"seed-log: {events} events and {(events - uncovered) / CheckpointEvery} checkpoints written in {clock.Elapsed.TotalSeconds:F1} s to {options.DataDir}");

        // The first run pays for start-up (EF's model, query compilation); the second is what a running server pays.
        var checkpointer = app.Services.GetRequiredService<LogCheckpointer>();
        Report($"checkpoint run over {uncovered} new events (cold, first in the process)", [await TimeAsync(checkpointer)]);
        var grown = new List<double>();
        var idle = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            await using (var scope = app.Services.CreateAsyncScope())
            {
                await AppendAsync(scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>(), key, record, orgId, uncovered, signUpTo: 0);
            }

            grown.Add(await TimeAsync(checkpointer));
            idle.Add(await TimeAsync(checkpointer));
        }

        Report($"checkpoint run over {uncovered} new events (verify them, sign, store, record)", grown);
        Report("checkpoint run with no new events", idle);
        return 0;
    }

    private static async Task<double> TimeAsync(LogCheckpointer checkpointer)
    {
        var clock = Stopwatch.StartNew();
        var breaks = await checkpointer.RunAsync(reportInSystemLog: false, CancellationToken.None);
        if (breaks.Count > 0)
        {
            throw new InvalidOperationException($"The seeded chain is broken: {breaks[0].What}: {breaks[0].Detail}");
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    private static void Report(string what, List<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed-log: {what}: median {sorted[sorted.Count / 2]:F1} ms, min {sorted[0]:F1} ms ({sorted.Count} run(s))"));
    }

    /// <summary>Appends <paramref name="count"/> chained events after the org's head, signing every 1000th up to <paramref name="signUpTo"/>, and moves the head.</summary>
    private static async Task AppendAsync(LatchkeyDbContext db, LogSigningKey key, LogCheckpointRecord record, string orgId, int count, long signUpTo)
    {
        var head = await db.LogChainHeads.SingleAsync(h => h.OrgId == orgId);
        var events = head.Sequence + count;
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        if (db.Database.IsSqlite())
        {
            await using var fast = connection.CreateCommand();
            fast.CommandText = "PRAGMA synchronous=OFF;";
            await fast.ExecuteNonQueryAsync();
        }

        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO "LogEvents" ("OrgId", "Sequence", "Uuid", "Published", "EventType", "ActorId", "OutcomeResult", "Json", "PreviousHash", "Hash")
            VALUES (@org, @sequence, @uuid, @published, @type, @actor, @outcome, @json, @previous, @hash)
            """;
        var parameters = Columns.ToDictionary(n => n, n =>
            {
                var p = insert.CreateParameter();
                p.ParameterName = n;
                insert.Parameters.Add(p);
                return p;
            });
        await using var checkpointInsert = connection.CreateCommand();
        checkpointInsert.CommandText = """
            INSERT INTO "LogCheckpoints" ("OrgId", "Sequence", "Hash", "Signed", "KeyId", "Signature") VALUES (@org, @sequence, @hash, @signed, @key, @signature)
            """;

        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var hash = head.LastHash;
        var sequence = head.Sequence;
        while (sequence < events)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            insert.Transaction = transaction;
            checkpointInsert.Transaction = transaction;
            for (var i = 0; i < 10_000 && sequence < events; i++)
            {
                sequence++;
                var e = Event(sequence, start.AddMilliseconds(sequence * 10));
                var json = JsonSerializer.Serialize(e, ApiJson.Options);
                var next = LogChainHasher.Next(hash, sequence, json);
                parameters["@org"].Value = orgId;
                parameters["@sequence"].Value = sequence;
                parameters["@uuid"].Value = e.Uuid;
                parameters["@published"].Value = e.Published.ToUnixTimeMilliseconds();
                parameters["@type"].Value = e.EventType;
                parameters["@actor"].Value = e.Actor.Id;
                parameters["@outcome"].Value = e.Outcome.Result;
                parameters["@json"].Value = json;
                parameters["@previous"].Value = hash;
                parameters["@hash"].Value = next;
                await insert.ExecuteNonQueryAsync();
                hash = next;
                if (sequence % CheckpointEvery == 0 && sequence <= signUpTo)
                {
                    var checkpoint = key.Sign(orgId, sequence, hash, e.Published);
                    checkpointInsert.Parameters.Clear();
                    foreach (var (name, value) in new (string, object)[]
                             {
                                 ("@org", orgId), ("@sequence", sequence), ("@hash", hash), ("@signed", checkpoint.Signed.ToUnixTimeMilliseconds()),
                                 ("@key", checkpoint.KeyId), ("@signature", checkpoint.Signature),
                             })
                    {
                        var p = checkpointInsert.CreateParameter();
                        p.ParameterName = name;
                        p.Value = value;
                        checkpointInsert.Parameters.Add(p);
                    }

                    await checkpointInsert.ExecuteNonQueryAsync();
                    record.Save(checkpoint);
                }
            }

            await transaction.CommitAsync();
        }

        head.Sequence = sequence;
        head.LastHash = hash;
        await db.SaveChangesAsync();
    }

    /// <summary>An event as the server writes it when an admin creates a user through the API.</summary>
    private static LogEvent Event(long sequence, DateTimeOffset published)
    {
        var requestId = RandomIds.NewBase62(27);
        var user = RandomIds.NewId("00u", published);
        var login = $"user{sequence.ToString(CultureInfo.InvariantCulture)}@example.com";
        return new LogEvent
        {
            Uuid = RandomIds.NewUuid().ToString(),
            Published = published,
            EventType = EventTypes.UserCreate.Id,
            Severity = EventTypes.UserCreate.Severity,
            LegacyEventType = EventTypes.UserCreate.LegacyEventType,
            DisplayMessage = EventTypes.UserCreate.DisplayMessage,
            Actor = new LogActor("00uAdmin0000000000001", "User", "admin@example.com", "Ada Admin"),
            Client = new LogClient(new LogUserAgent("okta-sdk-nodejs/8.1.0 node/22.12.0 linux/6.1.0", "Unknown", "UNKNOWN"), null, "Unknown", null, "10.0.0.7"),
            Outcome = new LogOutcome(LogOutcomeResult.Success),
            Target = [new LogTarget(user, "User", login, "Test Person")],
            Transaction = new LogTransaction("WEB", requestId, new Dictionary<string, object?> { ["requestApiTokenId"] = "00T1234567890abcdefg" }),
            DebugContext = new LogDebugContext(new Dictionary<string, object?>
            {
                ["requestId"] = requestId, ["requestUri"] = "/api/v1/users", ["url"] = "/api/v1/users?activate=true",
            }),
            Request = new LogRequest([new LogIpAddress("10.0.0.7", "V4", null)]),
        };
    }

    private static int Argument(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
