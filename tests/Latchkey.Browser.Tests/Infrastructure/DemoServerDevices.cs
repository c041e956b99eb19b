using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Microsoft.Data.Sqlite;

namespace Latchkey.Browser.Tests.Infrastructure;

public partial class DemoServer
{
    /// <summary>
    /// Registers a device for a user as the authenticator app's enrollment leaves it (a <c>Devices</c> row and the user's
    /// <c>DeviceUsers</c> link), written into the demo server's own SQLite file: the enrollment endpoint is another
    /// branch's work, and the console page only reads these rows. Returns the device's id.
    /// </summary>
    public async Task<string> SeedDeviceAsync(string userId, string displayName)
    {
        var file = Directory.EnumerateFiles(_dir!, "latchkey.db", SearchOption.AllDirectories).Single();
        var now = DateTimeOffset.UtcNow;
        var id = RandomIds.NewId(IdPrefix.Device, now);
        await using var connection = new SqliteConnection($"Data Source={file};Default Timeout=30");
        await connection.OpenAsync();
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO Devices (Id, OrgId, Status, ClientInstanceId, DisplayName, Platform, SerialNumber, ProfileJson, Created, LastUpdated)
            SELECT $id, OrgId, 'ACTIVE', $client, $name, 'MACOS', 'C02BROWSER01', '{"osVersion":"14.5","secureHardwarePresent":false}', $now, $now
            FROM Users WHERE Id = $user;
            INSERT INTO DeviceUsers (DeviceId, UserId, OrgId, ManagementStatus, ScreenLockType, Created)
            SELECT $id, Id, OrgId, 'NOT_MANAGED', 'PASSCODE', $now FROM Users WHERE Id = $user;
            """;
        insert.Parameters.AddWithValue("$id", id);
        insert.Parameters.AddWithValue("$client", "browser-" + Guid.NewGuid().ToString("N"));
        insert.Parameters.AddWithValue("$name", displayName);
        insert.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$user", userId);
        if (await insert.ExecuteNonQueryAsync() != 2)
        {
            throw new InvalidOperationException($"no user {userId} to register a device for");
        }

        return id;
    }
}
