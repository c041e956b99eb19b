using System.Text.RegularExpressions;
using NetArchTest.Rules;
using Xunit;

namespace Latchkey.ArchitectureTests;

/// <summary>DESIGN.md and STYLE.md habit 7: in Latchkey.Core, only Security/ touches System.Security.Cryptography.</summary>
public sealed partial class CryptographyTests
{
    private const string Crypto = "System.Security.Cryptography";
    private const string SecurityNamespace = "Latchkey.Core.Security";
    private const string SecurityFolder = "src/Latchkey.Core/Security/";

    [Fact]
    public void Only_files_under_core_security_mention_system_security_cryptography()
    {
        var offending = SourceTree.CSharpFiles("src/Latchkey.Core")
            .Where(f => !f.Path.StartsWith(SecurityFolder, StringComparison.Ordinal))
            .Where(f => f.Code.Contains(Crypto, StringComparison.Ordinal))
            .Select(f => f.Path)
            .ToList();

        Assert.True(offending.Count == 0, $"Move the cryptography into {SecurityFolder}: {string.Join(", ", offending)}.");
    }

    [Fact]
    public void Only_core_security_types_depend_on_system_security_cryptography()
    {
        var result = Types.InAssembly(Assemblies.Core)
            .That().DoNotResideInNamespace(SecurityNamespace)
            .ShouldNot().HaveDependencyOn(Crypto)
            .GetResult();

        Assert.True(result.IsSuccessful, $"Core types outside {SecurityNamespace} that use cryptography: {Assemblies.Describe(result.FailingTypeNames)}.");
    }

    [Fact]
    public void The_dependency_rule_does_see_the_security_types_use_of_cryptography()
    {
        // A control: were the rule blind, the check above would pass vacuously.
        var users = Types.InAssembly(Assemblies.Core).That().ResideInNamespace(SecurityNamespace).And().HaveDependencyOn(Crypto).GetTypes();

        Assert.NotEmpty(users);
    }

    [Fact]
    public void Files_under_core_security_declare_the_security_namespace_and_no_other_core_file_does()
    {
        // Ties the folder rule to the namespace rule above: the namespace is where the folder says.
        var misplaced = SourceTree.CSharpFiles("src/Latchkey.Core")
            .Select(f => (f.Path, Namespaces: NamespaceDeclaration().Matches(f.Code).Select(m => m.Groups[1].Value).ToList()))
            .Where(f => f.Path.StartsWith(SecurityFolder, StringComparison.Ordinal)
                ? f.Namespaces.Any(n => !Assemblies.IsUnder(n, SecurityNamespace))
                : f.Namespaces.Any(n => Assemblies.IsUnder(n, SecurityNamespace)))
            .Select(f => f.Path)
            .ToList();

        Assert.True(misplaced.Count == 0, $"Namespace and folder disagree: {string.Join(", ", misplaced)}.");
    }

    [GeneratedRegex(@"\bnamespace\s+([\w.]+)")]
    private static partial Regex NamespaceDeclaration();
}
