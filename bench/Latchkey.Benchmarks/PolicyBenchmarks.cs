using BenchmarkDotNet.Attributes;
using Latchkey.Core.Policies;

namespace Latchkey.Benchmarks;

/// <summary>
/// Issue 12's target: evaluating a 50-rule policy, median at most 5 us. The worst case: the request matches only the
/// catch-all, so every rule is tried (people by group, device registered and managed, platform).
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private PolicyRule[] _rules = null!;
    private PolicyContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rules = new List<PolicyRule>();
        for (var i = 0; i < 49; i++)
        {
            rules.Add(new PolicyRule($"rul{i:D3}", $"rule {i}", i + 1, PolicyAccess.Allow,
            [
                new PeopleCondition([], [], [$"00gGroup{i:D3}"], []),
                new DeviceRegisteredCondition(),
                new DeviceManagedCondition(true),
                new PlatformCondition(["MACOS", "WINDOWS"]),
            ]));
        }

        rules.Add(new PolicyRule("rulCatchAll", "Catch-all Rule", 99, PolicyAccess.Deny, []) { System = true });
        _rules = PolicyEngine.Order(rules);
        // In ten groups none of the rules name: each rule's people condition is checked against all of them.
        _context = new PolicyContext("00ualice", new HashSet<string>(Enumerable.Range(0, 10).Select(i => $"00gOther{i}")), new DeviceFacts(true, false, "LINUX"));
    }

    [Benchmark]
    public PolicyAccess Decide50Rules() => PolicyEngine.Decide(_rules, _context).Access;

    [Benchmark]
    public PolicyAccess Evaluate50RulesWithTrace() => PolicyEngine.Evaluate(_rules, _context).Access;
}
