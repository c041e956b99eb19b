namespace Latchkey.Browser.Tests.Infrastructure;

/// <summary>The console steps several walks share, as an admin does them (labels and buttons as the pages show them).</summary>
public static class ConsoleSteps
{
    /// <summary>A link of the console's navigation.</summary>
    public static ILocator Navigation(IPage page, string link) =>
        page.GetByRole(AriaRole.Navigation, new() { Name = "Admin console" }).GetByRole(AriaRole.Link, new() { Name = link, Exact = true });

    private static string PathOf(IPage page) => new Uri(page.Url).AbsolutePath;

    /// <summary>People: a person with a password, active at once.</summary>
    public static async Task AddPersonAsync(IPage page, string firstName, string lastName, string login, string password)
    {
        await Navigation(page, "People").ClickAsync();
        await page.GetByLabel("First name").FillAsync(firstName);
        await page.GetByLabel("Last name").FillAsync(lastName);
        await page.GetByLabel("Username").FillAsync(login);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add person" }).ClickAsync();
        await Assertions.Expect(page.Locator("#alert")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByText(login).First).ToBeVisibleAsync();
    }

    /// <summary>Groups: a new group with the person as its member.</summary>
    public static async Task CreateGroupWithMemberAsync(IPage page, string groupName, string description, string login)
    {
        await Navigation(page, "Groups").ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(groupName);
        await page.GetByLabel("Description").FillAsync(description);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();
        if (!PathOf(page).StartsWith("/admin/groups/", StringComparison.Ordinal) || PathOf(page).Length <= "/admin/groups/".Length)
        {
            await page.GetByRole(AriaRole.Link, new() { Name = groupName }).ClickAsync();
        }

        await page.GetByLabel("Username").FillAsync(login);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        await Assertions.Expect(page.Locator("#alert")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByText(login).First).ToBeVisibleAsync();
    }

    /// <summary>Applications: a Bookmark app from the catalog, assigned to the group.</summary>
    public static async Task AddBookmarkAppForGroupAsync(IPage page, string appLabel, string url, string groupName)
    {
        await Navigation(page, "Applications").ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Browse app catalog" }).ClickAsync();
        await page.GetByLabel("Label").FillAsync(appLabel);
        await page.GetByLabel("URL").FillAsync(url);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add app" }).ClickAsync();
        if (!PathOf(page).StartsWith("/admin/apps/0oa", StringComparison.Ordinal))
        {
            await page.GetByRole(AriaRole.Link, new() { Name = appLabel }).ClickAsync();
        }

        await page.GetByLabel("Group name").FillAsync(groupName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Assign" }).Last.ClickAsync();
        await Assertions.Expect(page.Locator("#alert")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByText(groupName).First).ToBeVisibleAsync();
    }
}
