using NetArchTest.Rules;
using Xunit;

namespace Latchkey.ArchitectureTests;

/// <summary>
/// DESIGN.md: the desktop agent's logic is a library a real login plug-in could reuse, so it depends on no web
/// framework or database; and STYLE.md habit 7: its cryptography lives under its Security/ folder.
/// </summary>
public sealed class DesktopAgentTests
{
    private const string Crypto = "System.Security.Cryptography";
    private const string SecurityFolder = "src/Latchkey.Desktop/Security/";

    [Fact]
    public void The_agent_depends_on_no_web_framework_database_or_server()
    {
        var result = Types.InAssembly(Assemblies.Desktop)
            .ShouldNot().HaveDependencyOnAny("Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore", "Latchkey.Server", "Npgsql", "OpenIddict")
            .GetResult();

        Assert.True(result.IsSuccessful, $"Agent types with a server-side dependency: {Assemblies.Describe(result.FailingTypeNames)}.");
    }

    [Fact]
    public void Only_files_under_the_agents_security_folder_mention_system_security_cryptography()
    {
        var files = SourceTree.CSharpFiles("src/Latchkey.Desktop");
        var offending = files
            .Where(f => !f.Path.StartsWith(SecurityFolder, StringComparison.Ordinal))
            .Where(f => f.Code.Contains(Crypto, StringComparison.Ordinal))
            .Select(f => f.Path)
            .ToList();

        Assert.True(offending.Count == 0, $"Move the cryptography into {SecurityFolder}: {string.Join(", ", offending)}.");
        Assert.Contains(files, f => f.Path.StartsWith(SecurityFolder, StringComparison.Ordinal) && f.Code.Contains(Crypto, StringComparison.Ordinal));
    }

    [Fact]
    public void Only_the_agents_security_types_depend_on_system_security_cryptography()
    {
        var result = Types.InAssembly(Assemblies.Desktop)
            .That().DoNotResideInNamespace("Latchkey.Desktop.Security")
            .ShouldNot().HaveDependencyOn(Crypto)
            .GetResult();

        Assert.True(result.IsSuccessful, $"Agent types outside Latchkey.Desktop.Security that use cryptography: {Assemblies.Describe(result.FailingTypeNames)}.");
    }
}
