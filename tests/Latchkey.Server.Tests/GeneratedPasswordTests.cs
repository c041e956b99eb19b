using System.Net;
using Latchkey.Core.Security;
using Latchkey.Core.Users;
using Latchkey.Server.Hosting;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// Passwords the server makes up (issue 9 item 5): the first admin's, each demo user's and a temporary password are
/// drawn by the generator, meet the policy, and are never shared between users.
/// </summary>
public sealed class GeneratedPasswordTests
{
    [Fact]
    public async Task Each_demo_user_has_a_password_of_their_own_not_the_admins()
    {
        await using var factory = new LatchkeyFactory(new Dictionary<string, string?> { ["Latchkey:Demo"] = "true" });
        using var http = factory.CreateClient();
        var first = factory.Services.GetRequiredService<FirstStartHolder>().Value;
        Assert.NotNull(first?.Org);
        var admin = first.Org.AdminPassword;
        var demo = first.DemoUsers.Where(u => u.Password is not null).ToList();
        Assert.Equal(["alice@example.com", "bob@example.com", "carol@example.com"], demo.Select(u => u.Login));
        Assert.Null(Assert.Single(first.DemoUsers, u => u.Login == "dave@example.com").Password);

        var passwords = demo.Select(u => u.Password!).Append(admin).ToList();
        Assert.Equal(passwords.Count, passwords.Distinct(StringComparer.Ordinal).Count());
        var hashes = await WithDbAsync(factory, db => db.Users.AsNoTracking()
            .Where(u => u.PasswordHash != null).ToDictionaryAsync(u => u.Login, u => (u.PasswordHash!, u.FirstName, u.LastName)));
        foreach (var (login, password) in demo.Select(u => (u.Login, u.Password!)).Append((first.Org.AdminLogin, admin)))
        {
            var (hash, firstName, lastName) = hashes[login];
            Assert.Null(PasswordPolicy.Default.Check(password, login, firstName, lastName));
            foreach (var other in passwords)
            {
                Assert.True(PasswordHasher.Verify(other, hash) == (other == password),
                    $"{login}'s stored password {(other == password ? "does not match its own" : "matches another user's")}");
            }
        }
    }

    [Fact]
    public async Task A_temporary_password_meets_the_policy_and_differs_each_time()
    {
        await using var server = new ServerFixture();
        await server.InitializeAsync();
        var user = await server.CreateUserAsync(firstName: "Quentin", lastName: "Marsh");
        var id = ServerFixture.Id(user);
        var login = (string)user["profile"]!["login"]!;
        var temporary = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var answer = (await server.Api.PostAsync($"/api/v1/users/{id}/lifecycle/expire_password_with_temp_password"))
                .Expect(HttpStatusCode.OK).Object;
            var password = (string)answer["tempPassword"]!;
            Assert.Null(PasswordPolicy.Default.Check(password, login, "Quentin", "Marsh"));
            Assert.All(password, c => Assert.Contains(c, PasswordGenerator.Alphabet));
            temporary.Add(password);
        }

        Assert.Equal(3, temporary.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(temporary, p => p.StartsWith("Tp", StringComparison.Ordinal) && p.EndsWith("4x", StringComparison.Ordinal));
    }

    private static async Task<T> WithDbAsync<T>(LatchkeyFactory factory, Func<Persistence.LatchkeyDbContext, Task<T>> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<Persistence.LatchkeyDbContext>());
    }
}
