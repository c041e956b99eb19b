using System.Xml.Linq;
using NetArchTest.Rules;
using Xunit;

namespace Latchkey.ArchitectureTests;

/// <summary>DESIGN.md, "Solution layout": Latchkey.Contracts holds wire records shared by server and CLIs, and depends on neither Core nor Server.</summary>
public sealed class ContractsDependencyTests
{
    // The server's assembly is named "latchkey" (Latchkey.Server.csproj sets AssemblyName).
    private static readonly string[] ProductAssemblies = ["Latchkey.Core", "Latchkey.Server", Assemblies.Server.GetName().Name!];

    [Fact]
    public void Contracts_references_neither_the_core_nor_the_server_assembly()
    {
        var offending = Assemblies.Contracts.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(name => ProductAssemblies.Any(p => string.Equals(name, p, StringComparison.OrdinalIgnoreCase)))
            .ToList();

        Assert.True(offending.Count == 0, $"Latchkey.Contracts references {Assemblies.Describe(offending)}.");
    }

    [Fact]
    public void No_contracts_type_depends_on_a_core_or_server_namespace()
    {
        var result = Types.InAssembly(Assemblies.Contracts)
            .ShouldNot().HaveDependencyOnAny("Latchkey.Core", "Latchkey.Server")
            .GetResult();

        Assert.True(result.IsSuccessful, $"Contracts types that depend on Core or Server: {Assemblies.Describe(result.FailingTypeNames)}.");
    }

    [Fact]
    public void The_contracts_project_has_no_project_references()
    {
        var path = Path.Combine(SourceTree.RepositoryRoot, "src", "Latchkey.Contracts", "Latchkey.Contracts.csproj");

        var references = XDocument.Load(path).Descendants().Where(e => e.Name.LocalName == "ProjectReference");

        Assert.Empty(references);
    }

    [Fact]
    public void The_dependency_rule_does_see_the_servers_dependency_on_the_core()
    {
        Assert.NotEmpty(Types.InAssembly(Assemblies.Server).That().HaveDependencyOn("Latchkey.Core").GetTypes());
    }
}
