global using Microsoft.Playwright;
global using Xunit;

// One real server for the whole suite (tests create what they change with unique names), one Chromium per test class.
[assembly: AssemblyFixture(typeof(Latchkey.Browser.Tests.Infrastructure.DemoServer))]
