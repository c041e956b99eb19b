using System.Runtime.Versioning;
using Latchkey.Desktop.State;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>The machine state: private modes, sealed records that open only here, and refusals that lose nothing.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class StateTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    private DesktopState State => folder.State();

    private void Enroll(string login = "alice", long step = 100)
    {
        State.Write(writer =>
        {
            var user = writer.User(login);
            user.DeviceAccessCode = new DeviceAccessCodeRecord { Secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", Label = "Device access code Mac", EnrolledAt = DateTimeOffset.UnixEpoch, ServerEnrollmentId = "den1" };
            user.SecurityKeys.Add(new RegisteredSecurityKey { CredentialId = "Y3JlZA", PublicKey = "pQECAyYgASFYIA", Name = "YubiKey 5", RegisteredAt = DateTimeOffset.UnixEpoch, SignCount = 7 });
            user.LastOnlineSignIn = DateTimeOffset.UnixEpoch.AddDays(1);
            user.MarkUsed(step);
            return true;
        });
    }

    private string UserFile(string login = "alice") => Path.Combine(folder.StatePath, "users", DesktopState.UserFileId(login) + ".sealed");

    [Fact]
    public void Reading_a_state_that_does_not_exist_creates_nothing()
    {
        Assert.Null(State.LoadUser("alice"));
        Assert.Empty(State.LoadUsers());
        Assert.Empty(State.LoadJournal());
        Assert.Null(State.LoadComputer());
        Assert.False(Directory.Exists(folder.StatePath));
    }

    [Fact]
    public void The_first_write_makes_a_private_directory_a_machine_key_and_a_computer_key_and_records_round_trip()
    {
        Enroll();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder.StatePath));
        foreach (var file in new[] { DesktopState.MachineKeyFile, DesktopState.ComputerFile })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder.StatePath, file)));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(UserFile()));
        var user = State.LoadUser("Alice")!;
        Assert.Equal("alice", user.Login);
        Assert.Equal("den1", user.DeviceAccessCode!.ServerEnrollmentId);
        var key = Assert.Single(user.SecurityKeys);
        Assert.Equal(("Y3JlZA", "pQECAyYgASFYIA", 7L), (key.CredentialId, key.PublicKey, key.SignCount));
        Assert.Equal([100L], user.UsedSteps);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddDays(1), user.LastOnlineSignIn);
        Assert.DoesNotContain("JBSWY3DP", File.ReadAllText(UserFile()), StringComparison.Ordinal);
        Assert.StartsWith("cmp", State.LoadComputer()!.Id, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(folder.StatePath, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_tampered_sealed_file_is_refused_and_left_as_it_is()
    {
        Enroll();
        var bytes = File.ReadAllBytes(UserFile());
        bytes[^3] ^= 0x01;
        File.WriteAllBytes(UserFile(), bytes);

        var read = Assert.Throws<DesktopException>(() => State.LoadUser("alice"));
        var write = Assert.Throws<DesktopException>(() => Enroll());

        Assert.Equal(ExitCodes.State, read.ExitCode);
        Assert.Contains("failed its integrity check", read.Message, StringComparison.Ordinal);
        Assert.Contains("it was left as it is", read.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.State, write.ExitCode);
        Assert.Equal(bytes, File.ReadAllBytes(UserFile()));
    }

    [Fact]
    public void A_truncated_sealed_file_is_refused_and_left_as_it_is()
    {
        Enroll();
        var bytes = File.ReadAllBytes(UserFile());
        File.WriteAllBytes(UserFile(), bytes[..(bytes.Length / 2)]);
        var tiny = File.ReadAllBytes(UserFile())[..10];

        Assert.Contains("failed its integrity check", Assert.Throws<DesktopException>(() => State.LoadUser("alice")).Message, StringComparison.Ordinal);
        File.WriteAllBytes(UserFile(), tiny);
        Assert.Contains("is not a sealed latchkey-desktop file", Assert.Throws<DesktopException>(() => State.LoadUser("alice")).Message, StringComparison.Ordinal);
        Assert.Equal(tiny, File.ReadAllBytes(UserFile()));
    }

    [Fact]
    public void A_record_moved_to_another_users_name_does_not_open()
    {
        Enroll("alice");
        Enroll("bob");
        File.Copy(UserFile("alice"), UserFile("bob"), overwrite: true);

        var e = Assert.Throws<DesktopException>(() => State.LoadUser("bob"));

        Assert.Contains("failed its integrity check", e.Message, StringComparison.Ordinal);
        Assert.NotNull(State.LoadUser("alice"));
    }

    [Fact]
    public void Another_machines_sealed_file_is_refused_as_foreign()
    {
        Enroll();
        using var other = new TestFolder();
        other.State().Write(writer => writer.User("alice").LastOnlineSignIn = DateTimeOffset.UnixEpoch);
        var foreign = File.ReadAllBytes(Path.Combine(other.StatePath, "users", DesktopState.UserFileId("alice") + ".sealed"));
        File.WriteAllBytes(UserFile(), foreign);

        var e = Assert.Throws<DesktopException>(() => State.LoadUser("alice"));

        Assert.Equal(ExitCodes.State, e.ExitCode);
        Assert.Contains("sealed with another machine key (copied from another computer", e.Message, StringComparison.Ordinal);
        Assert.Equal(foreign, File.ReadAllBytes(UserFile()));
    }

    [Fact]
    public void A_missing_machine_key_is_never_replaced_while_sealed_files_exist()
    {
        Enroll();
        File.Delete(Path.Combine(folder.StatePath, DesktopState.MachineKeyFile));

        var e = Assert.Throws<DesktopException>(() => Enroll("bob"));

        Assert.Contains("machine.key is missing but sealed files exist", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.StatePath, DesktopState.MachineKeyFile)));
        Assert.Throws<DesktopException>(() => State.LoadUser("alice"));
    }

    [Fact]
    public void A_damaged_machine_key_is_refused_and_left_as_it_is()
    {
        Enroll();
        var keyFile = Path.Combine(folder.StatePath, DesktopState.MachineKeyFile);
        File.WriteAllText(keyFile, "latchkey-desktop machine key v1\nnot base64!\n");

        var e = Assert.Throws<DesktopException>(() => State.LoadUser("alice"));

        Assert.Contains("machine.key is damaged", e.Message, StringComparison.Ordinal);
        Assert.Equal("latchkey-desktop machine key v1\nnot base64!\n", File.ReadAllText(keyFile));
    }

    [Fact]
    public void Files_or_a_directory_open_to_other_users_are_refused()
    {
        Enroll();
        File.SetUnixFileMode(UserFile(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Contains("readable by other users (0604)", Assert.Throws<DesktopException>(() => State.LoadUser("alice")).Message, StringComparison.Ordinal);

        File.SetUnixFileMode(UserFile(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(folder.StatePath, (UnixFileMode)0b111_101_101);
        Assert.Contains("open to other users (0755)", Assert.Throws<DesktopException>(() => State.LoadUser("alice")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_directory_made_with_mkdir_is_made_private_on_the_first_write()
    {
        Directory.CreateDirectory(folder.StatePath, (UnixFileMode)0b111_101_101);

        Enroll();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder.StatePath));
    }

    [Fact]
    public void A_directory_of_something_else_is_not_taken_over()
    {
        Directory.CreateDirectory(folder.StatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(folder.StatePath, "notes.txt"), "mine");

        var e = Assert.Throws<DesktopException>(() => Enroll());

        Assert.Contains("it is not a latchkey-desktop state directory", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.StatePath, DesktopState.MachineKeyFile)));
    }

    [Fact]
    public void Journal_events_are_signed_by_the_computer_key_and_deduplicated_by_id()
    {
        var offlineEvent = new OfflineEvent
        {
            Id = "e1", Time = DateTimeOffset.UnixEpoch, ComputerId = "cmp1", Login = "alice", Method = "offline-code", Result = "SUCCESS",
        };

        State.Write(writer => writer.Record(offlineEvent));
        State.Write(writer => writer.Record(offlineEvent));
        State.Write(writer => writer.Record(offlineEvent with { Id = "e2", Result = "FAILURE", Reason = "wrong_code" }));

        var journal = State.LoadJournal();
        var computer = State.LoadComputer()!;
        Assert.Equal(["e1", "e2"], journal.Select(e => e.Event.Id));
        Assert.All(journal, e => Assert.True(OfflineJournal.Verify(e, computer.PublicKey)));
        Assert.False(OfflineJournal.Verify(journal[0] with { Event = journal[0].Event with { Result = "FAILURE" } }, computer.PublicKey));
        Assert.Equal(1, State.Write(writer => writer.RemoveFromJournal(["e1", "unknown"])));
        Assert.Equal(["e2"], State.LoadJournal().Select(e => e.Event.Id));
    }

    [Fact]
    public async Task Concurrent_writers_take_turns_and_lose_nothing()
    {
        Enroll();

        await Task.WhenAll(Enumerable.Range(0, 2).Select(writer => Task.Run(() =>
        {
            for (var i = 0; i < 10; i++)
            {
                folder.State().Write(w => w.Record(new OfflineEvent
                {
                    Id = $"w{writer}-{i}", Time = DateTimeOffset.UnixEpoch, ComputerId = w.Computer.Id, Login = "alice", Method = "offline-code", Result = "SUCCESS",
                }));
            }
        }, TestContext.Current.CancellationToken)));

        Assert.Equal(20, State.LoadJournal().Select(e => e.Event.Id).Distinct().Count());
        Assert.Empty(Directory.EnumerateFiles(folder.StatePath, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Used_steps_are_bounded()
    {
        State.Write(writer =>
        {
            for (var step = 1; step <= 40; step++)
            {
                writer.User("alice").MarkUsed(step);
            }

            return true;
        });

        var used = State.LoadUser("alice")!.UsedSteps;
        Assert.Equal(OfflineUserRecord.KeptUsedSteps, used.Count);
        Assert.Equal(40, used.Max());
    }
}
