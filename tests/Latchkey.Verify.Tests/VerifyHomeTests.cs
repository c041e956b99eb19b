using System.Runtime.Versioning;
using Latchkey.Verify.State;
using Xunit;

namespace Latchkey.Verify.Tests;

/// <summary>The home's file modes are Unix file modes; Windows has none.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class VerifyHomeTests : IDisposable
{
    private readonly TestHome test = new();

    public void Dispose() => test.Dispose();

    [Fact]
    public void Reading_a_home_that_does_not_exist_creates_nothing()
    {
        var state = test.Home().Load();

        Assert.Empty(state.Accounts);
        Assert.False(Directory.Exists(test.Path));
    }

    [Fact]
    public void A_saved_state_is_private_to_its_owner_and_carries_the_format_marker()
    {
        var home = test.Home();

        home.Update(state => state.ClientInstanceId = "lkv-test-instance");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(test.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(home.StateFile));
        Assert.Contains("\"format\": \"latchkey-verify/1\"", File.ReadAllText(home.StateFile), StringComparison.Ordinal);
        Assert.Equal("lkv-test-instance", home.Load().ClientInstanceId);
    }

    [Fact]
    public void A_write_replaces_the_file_by_rename_and_leaves_no_temporary_file()
    {
        var home = test.Home();
        home.Update(state => state.ClientInstanceId = "first");
        using var oldCopy = new FileStream(home.StateFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        home.Update(state => state.ClientInstanceId = "second");

        // The handle opened before the write still reads the old file: the new one was renamed over it, never written in place.
        Assert.Contains("first", new StreamReader(oldCopy).ReadToEnd(), StringComparison.Ordinal);
        Assert.Equal("second", home.Load().ClientInstanceId);
        Assert.Equal([VerifyHome.StateFileName, VerifyHome.LockFileName], Directory.GetFiles(test.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_change_that_fails_leaves_the_saved_state_as_it_was()
    {
        var home = test.Home();
        home.Update(state => state.ClientInstanceId = "kept");
        var before = File.ReadAllBytes(home.StateFile);

        Assert.Throws<VerifyException>(() => home.Update(state =>
        {
            state.ClientInstanceId = "lost";
            throw new VerifyException(ExitCodes.Failure, "refused");
        }));

        Assert.Equal(before, File.ReadAllBytes(home.StateFile));
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("{\"accounts\": []}", "no \"format\"")]
    [InlineData("[1, 2]", "no \"format\"")]
    [InlineData("{\"format\": \"latchkey-desktop/1\", \"accounts\": []}", "of format \"latchkey-desktop/1\"")]
    [InlineData("{\"format\": \"latchkey-verify/1\", \"accounts\": 5}", "does not have the shape")]
    public void A_corrupt_or_foreign_state_file_is_refused_and_left_untouched(string content, string reason)
    {
        Directory.CreateDirectory(test.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Path.Combine(test.Path, VerifyHome.StateFileName);
        File.WriteAllText(file, content);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var home = test.Home();

        var onRead = Assert.Throws<VerifyException>(home.Load);
        var onWrite = Assert.Throws<VerifyException>(() => home.Update(state => state.ClientInstanceId = "x"));

        Assert.Equal(ExitCodes.Home, onRead.ExitCode);
        Assert.Contains(reason, onRead.Message, StringComparison.Ordinal);
        Assert.Contains(reason, onWrite.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(file));
    }

    [Fact]
    public void A_state_file_readable_by_others_is_refused_and_left_untouched()
    {
        var home = test.Home();
        home.Update(state => state.ClientInstanceId = "x");
        File.SetUnixFileMode(home.StateFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var before = File.ReadAllBytes(home.StateFile);

        var refused = Assert.Throws<VerifyException>(() => home.Update(state => state.ClientInstanceId = "y"));

        Assert.Contains("readable by other users (0644)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(home.StateFile));
    }

    [Fact]
    public void A_home_directory_open_to_others_is_refused()
    {
        var home = test.Home();
        home.Update(state => state.ClientInstanceId = "x");
        File.SetUnixFileMode(test.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var refused = Assert.Throws<VerifyException>(home.Load);

        Assert.Contains("open to other users (0705)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_of_something_else_is_refused_and_nothing_is_written_in_it()
    {
        Directory.CreateDirectory(test.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(test.Path, "notes.txt"), "mine");

        var refused = Assert.Throws<VerifyException>(() => test.Home().Update(state => state.ClientInstanceId = "x"));

        Assert.Contains("not a latchkey-verify home", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(test.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_write_waits_for_the_lock_and_gives_up_with_a_clear_message()
    {
        var home = test.Home(TimeSpan.FromMilliseconds(300));
        home.Update(state => state.ClientInstanceId = "x");

        using (new FileStream(home.LockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            var refused = Assert.Throws<VerifyException>(() => home.Update(state => state.ClientInstanceId = "y"));
            Assert.Contains("in use by another latchkey-verify", refused.Message, StringComparison.Ordinal);
        }

        home.Update(state => state.ClientInstanceId = "y");
        Assert.Equal("y", home.Load().ClientInstanceId);
    }

    [Fact]
    public async Task Concurrent_writers_never_lose_each_others_changes()
    {
        var home = test.Home();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => home.Update(state => state.SecurityKeys.Add(new SecurityKeyRecord { Name = $"key{i}" })))));

        Assert.Equal(16, home.Load().SecurityKeys.Select(k => k.Name).Distinct().Count());
    }
}
