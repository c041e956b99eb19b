using System.Xml.Linq;
using NetArchTest.Rules;
using Xunit;

namespace Latchkey.ArchitectureTests;

/// <summary>DESIGN.md, "Solution layout": Latchkey.Core is plain C#, with no ASP.NET and no EF.</summary>
public sealed class CoreDependencyTests
{
    private static readonly string[] Frameworks = ["Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore"];

    [Fact]
    public void Core_references_no_aspnet_or_ef_assembly()
    {
        var offending = Assemblies.Core.GetReferencedAssemblies()
            .Select(a => a.Name)
            .Where(name => Frameworks.Any(f => Assemblies.IsUnder(name, f)))
            .ToList();

        Assert.True(offending.Count == 0, $"Latchkey.Core references {Assemblies.Describe(offending!)}.");
    }

    [Fact]
    public void No_core_type_depends_on_an_aspnet_or_ef_namespace()
    {
        var result = Types.InAssembly(Assemblies.Core).ShouldNot().HaveDependencyOnAny(Frameworks).GetResult();

        Assert.True(result.IsSuccessful, $"Core types that depend on ASP.NET or EF: {Assemblies.Describe(result.FailingTypeNames)}.");
    }

    [Theory]
    [InlineData("Microsoft.AspNetCore")]
    [InlineData("Microsoft.EntityFrameworkCore")]
    public void The_dependency_rule_does_see_the_servers_framework_dependencies(string framework)
    {
        // A control: the same rule applied to the server must find offenders, or the check above proves nothing.
        var dependent = Types.InAssembly(Assemblies.Server).That().HaveDependencyOn(framework).GetTypes();

        Assert.NotEmpty(dependent);
    }

    [Fact]
    public void The_core_project_uses_the_plain_sdk_and_references_no_web_or_ef_package()
    {
        var path = Path.Combine(SourceTree.RepositoryRoot, "src", "Latchkey.Core", "Latchkey.Core.csproj");
        var project = XDocument.Load(path).Root!;

        Assert.Equal("Microsoft.NET.Sdk", (string?)project.Attribute("Sdk"));
        var references = project.Descendants()
            .Where(e => e.Name.LocalName is "PackageReference" or "FrameworkReference" or "ProjectReference")
            .Select(e => (string?)e.Attribute("Include") ?? "")
            .ToList();
        Assert.DoesNotContain(references, r => Frameworks.Any(f => Assemblies.IsUnder(r, f)) || Assemblies.IsUnder(r, "Microsoft.AspNetCore.App"));
        Assert.DoesNotContain(references, r => r.Contains("Latchkey.Server", StringComparison.OrdinalIgnoreCase));
    }
}
