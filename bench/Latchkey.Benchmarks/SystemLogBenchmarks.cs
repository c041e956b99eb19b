using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Latchkey.Core.Filtering;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Api;

namespace Latchkey.Benchmarks;

/// <summary>The System Log's hot paths: serialising an event, chaining its hash, parsing and evaluating a filter.</summary>
[MemoryDiagnoser]
public class SystemLogBenchmarks
{
    private LogEvent _event = null!;
    private string _json = null!;
    private JsonNode _node = null!;
    private FilterNode _filter = null!;
    private const string FilterText = "eventType eq \"user.lifecycle.create\" and (target.id eq \"00u1234567890abcdefg\" or outcome.result eq \"FAILURE\")";

    [GlobalSetup]
    public void Setup()
    {
        _event = SampleEvent();
        _json = JsonSerializer.Serialize(_event, ApiJson.Options);
        _node = JsonNode.Parse(_json)!;
        _filter = FilterParser.Parse(FilterText, FilterGrammar.Unrestricted);
    }

    /// <summary>A user-creation event as an admin's API call writes it.</summary>
    public static LogEvent SampleEvent() =>
        new()
        {
            Uuid = Guid.NewGuid().ToString(), Published = DateTimeOffset.UnixEpoch, EventType = "user.lifecycle.create",
            Severity = LogSeverity.Info, DisplayMessage = "Create okta user",
            Actor = new LogActor("00uadmin000000000000", "User", "admin@example.com", "Ada Admin"),
            Outcome = new LogOutcome(LogOutcomeResult.Success),
            Target = [new LogTarget("00u1234567890abcdefg", "User", "jane@example.com", "Jane Doe")],
            Transaction = new LogTransaction("WEB", "abc", new Dictionary<string, object?> { ["requestApiTokenId"] = "00T1234567890abcdefg" }),
            DebugContext = new LogDebugContext(new Dictionary<string, object?> { ["requestId"] = "abc", ["requestUri"] = "/api/v1/users" }),
        };

    [Benchmark]
    public string SerializeEvent() => JsonSerializer.Serialize(_event, ApiJson.Options);

    [Benchmark]
    public string ChainHash() => LogChainHasher.Next(LogChainHasher.Genesis, 42, _json);

    [Benchmark]
    public FilterNode ParseFilter() => FilterParser.Parse(FilterText, FilterGrammar.Unrestricted);

    [Benchmark]
    public bool EvaluateFilterOnStoredEvent() => JsonFilterEvaluator.Matches(_filter, JsonNode.Parse(_json), StringComparison.Ordinal);

    [Benchmark]
    public bool EvaluateFilterOnParsedEvent() => JsonFilterEvaluator.Matches(_filter, _node, StringComparison.Ordinal);
}
