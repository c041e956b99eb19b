using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Latchkey.Core.Security;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;

namespace Latchkey.Benchmarks;

/// <summary>Per-request costs of the users API outside the database: the wire shape, the token hash, validation.</summary>
[MemoryDiagnoser]
public class UserBenchmarks
{
    private UserEntity _user = null!;
    private readonly PasswordHasher _hasher = new(100_000);
    private string _stored = null!;

    [GlobalSetup]
    public void Setup()
    {
        _user = new UserEntity
        {
            Id = RandomIds.NewId("00u"), OrgId = RandomIds.NewId("00o"), Status = UserStatus.Active, Login = "jane@example.com",
            LoginKey = "jane@example.com", Email = "jane@example.com", FirstName = "Jane", LastName = "Doe", TypeId = RandomIds.NewId("oty"),
            ProfileJson = """{"firstName":"Jane","lastName":"Doe","email":"jane@example.com","login":"jane@example.com","department":"R&D"}""",
            PasswordHash = "x",
        };
        _stored = _hasher.Hash("Sup3r-secret");
    }

    [Benchmark]
    public byte[] UserToJson() =>
        JsonSerializer.SerializeToUtf8Bytes(UserResources.ToResource(_user, "http://127.0.0.1:8080/api/v1"), ApiJson.Options);

    [Benchmark]
    public string HashApiToken() => SecretHasher.Hash("00QCjAl4MlV-WPXM0123456789abcdefghijklmn");

    [Benchmark]
    public int ValidateProfile() => ProfileRules.Check(new Dictionary<string, string?>
    {
        ["login"] = "jane@example.com", ["email"] = "jane@example.com", ["firstName"] = "Jane", ["lastName"] = "Doe",
    }).Count;

    /// <summary>The deliberate cost of a password check at the default 100,000 iterations.</summary>
    [Benchmark]
    public bool VerifyPassword() => PasswordHasher.Verify("Sup3r-secret", _stored);
}
