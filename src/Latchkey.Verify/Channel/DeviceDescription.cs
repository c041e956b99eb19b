using System.Text.Json.Nodes;

namespace Latchkey.Verify.Channel;

/// <summary>
/// The device as the enrollment describes it: the platform of the OS it runs on, its version, a display name, and the
/// maker, model and serial number when the OS lets an ordinary user read them (Linux's DMI files; the serial is
/// usually root-only, and then none is sent). <c>secureHardwarePresent</c> is always false: the keys are software keys.
/// </summary>
public sealed record DeviceDescription(string Platform, string OsVersion, string DisplayName, string? Manufacturer, string? Model, string? SerialNumber)
{
    public static DeviceDescription ThisDevice(string? displayName) => new(
        OperatingSystem.IsLinux() ? "LINUX" : OperatingSystem.IsMacOS() ? "MACOS" : OperatingSystem.IsWindows() ? "WINDOWS" : "LINUX",
        Environment.OSVersion.Version.ToString(),
        string.IsNullOrWhiteSpace(displayName) ? Environment.MachineName : displayName.Trim(),
        Dmi("sys_vendor"),
        Dmi("product_name"),
        Dmi("product_serial"));

    public JsonObject ToJson(string clientInstanceId)
    {
        var json = new JsonObject
        {
            ["clientInstanceId"] = clientInstanceId, ["displayName"] = DisplayName, ["platform"] = Platform, ["osVersion"] = OsVersion,
        };
        if (Manufacturer is not null)
        {
            json["manufacturer"] = Manufacturer;
        }

        if (Model is not null)
        {
            json["model"] = Model;
        }

        if (SerialNumber is not null)
        {
            json["serialNumber"] = SerialNumber;
        }

        json["secureHardwarePresent"] = false;
        return json;
    }

    private static string? Dmi(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var value = File.ReadAllText(Path.Combine("/sys/class/dmi/id", name)).Trim();
            return value.Length == 0 || value.Equals("None", StringComparison.OrdinalIgnoreCase) || value.Contains("O.E.M.", StringComparison.Ordinal) ? null : value;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // not readable by this user (the serial usually needs root): none is sent
        }
    }
}
