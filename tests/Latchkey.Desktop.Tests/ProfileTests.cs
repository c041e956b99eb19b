using Latchkey.Desktop.Profile;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>The configuration profile: both forms, defaults, and every bad or missing key named with its reason.</summary>
public sealed class ProfileTests
{
    private const string Plist = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
        <plist version="1.0">
        <dict>
          <key>DMFAOrgURL</key><string>https://acme.example.com</string>
          <key>DMFAClientID</key><string>0oa1desktop</string>
          <key>DMFAClientSecret</key><string>s3cret</string>
          <key>AllowedFactors</key><array><string>Offline_TOTP</string><string>OV_Push</string></array>
          <key>LoginPeriodWithOfflineFactor</key><integer>48</integer>
          <key>LoginPeriodWithNoOfflineFactor</key><integer>24</integer>
          <key>PayloadUUID</key><string>ignored</string>
        </dict>
        </plist>
        """;

    [Fact]
    public void A_minimal_json_profile_allows_every_method_and_a_week_offline()
    {
        var profile = ProfileReader.Parse(TestFolder.ProfileJson);

        Assert.Equal(new Uri("https://acme.example.com"), profile.OrgUrl);
        Assert.Equal("0oa1desktop", profile.ClientId);
        Assert.Equal("s3cret", profile.ClientSecret);
        Assert.Equal([DesktopFactor.Push, DesktopFactor.Totp, DesktopFactor.OfflineTotp, DesktopFactor.SecurityKey], profile.AllowedFactors);
        Assert.Equal(TimeSpan.FromHours(168), profile.OfflinePeriod);
        Assert.Equal(TimeSpan.FromHours(48), profile.NoOfflineFactorPeriod);
    }

    [Fact]
    public void A_property_list_with_apples_doctype_gives_the_same_keys_in_the_admins_order()
    {
        var profile = ProfileReader.Parse(Plist);

        Assert.Equal([DesktopFactor.OfflineTotp, DesktopFactor.Push], profile.AllowedFactors);
        Assert.Equal(TimeSpan.FromHours(48), profile.OfflinePeriod);
        Assert.Equal(TimeSpan.FromHours(24), profile.NoOfflineFactorPeriod);
        Assert.Equal("acme.example.com", profile.Issuer);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[\"*\"]")]
    [InlineData("\"*\"")]
    public void An_empty_list_or_a_star_allows_every_method(string factors)
    {
        var profile = ProfileReader.Parse(With("AllowedFactors", factors));

        Assert.Equal(4, profile.AllowedFactors.Count);
    }

    [Fact]
    public void Loopback_http_is_allowed_for_a_local_server()
    {
        Assert.Equal(8080, ProfileReader.Parse(With("DMFAOrgURL", "\"http://127.0.0.1:8080\"")).OrgUrl.Port);
        Assert.Equal("localhost", ProfileReader.Parse(With("DMFAOrgURL", "\"http://localhost:8080/\"")).Issuer);
    }

    [Theory]
    [InlineData("DMFAOrgURL", "\"http://acme.example.com\"", "DMFAOrgURL: not an https URL (http is allowed only for 127.0.0.1/localhost)")]
    [InlineData("DMFAOrgURL", "\"acme.example.com\"", "DMFAOrgURL: \"acme.example.com\" is not an https URL")]
    [InlineData("DMFAOrgURL", "\"https://acme.example.com/app?x=1\"", "DMFAOrgURL: the org's URL has no path")]
    [InlineData("DMFAOrgURL", "42", "DMFAOrgURL: must be a string (the org's URL), not a whole number")]
    [InlineData("DMFAClientID", "\"\"", "DMFAClientID: empty")]
    [InlineData("DMFAClientID", "[\"0oa1\"]", "DMFAClientID: must be a string, not a list")]
    [InlineData("DMFAClientSecret", "\" s3cret\"", "DMFAClientSecret: has spaces or control characters")]
    [InlineData("DMFAClientSecret", "null", "DMFAClientSecret: must be a string, not null")]
    [InlineData("AllowedFactors", "[\"OV_Push\",\"SMS\"]", "AllowedFactors: unknown factor \"SMS\"")]
    [InlineData("AllowedFactors", "[\"ov_push\"]", "did you mean \"OV_Push\"?")]
    [InlineData("AllowedFactors", "[\"OV_Push\",\"OV_Push\"]", "AllowedFactors: \"OV_Push\" is listed twice")]
    [InlineData("AllowedFactors", "[1]", "AllowedFactors: each entry must be a method name (a string), not a whole number")]
    [InlineData("AllowedFactors", "\"OV_Push\"", "AllowedFactors: must be a list of method names")]
    [InlineData("LoginPeriodWithOfflineFactor", "-1", "LoginPeriodWithOfflineFactor: -1 is negative")]
    [InlineData("LoginPeriodWithOfflineFactor", "\"168\"", "LoginPeriodWithOfflineFactor: must be a whole number of hours, not a string")]
    [InlineData("LoginPeriodWithOfflineFactor", "1.5", "LoginPeriodWithOfflineFactor: must be a whole number of hours, not a number with a fraction")]
    [InlineData("LoginPeriodWithOfflineFactor", "true", "LoginPeriodWithOfflineFactor: must be a whole number of hours, not true or false")]
    [InlineData("LoginPeriodWithOfflineFactor", "1000000", "more than ten years")]
    [InlineData("LoginPeriodWithNoOfflineFactor", "-48", "LoginPeriodWithNoOfflineFactor: -48 is negative")]
    public void Each_bad_value_is_named_with_its_key_and_why(string key, string json, string expected)
    {
        var e = Assert.Throws<DesktopException>(() => ProfileReader.Parse(With(key, json)));

        Assert.Equal(ExitCodes.Configuration, e.ExitCode);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("1 problem:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_missing_required_key_is_named_at_once_with_a_case_hint()
    {
        var e = Assert.Throws<DesktopException>(() => ProfileReader.Parse("""{"DMFAOrgUrl":"https://acme.example.com"}"""));

        Assert.Equal(ExitCodes.Configuration, e.ExitCode);
        Assert.Contains("3 problems", e.Message, StringComparison.Ordinal);
        Assert.Contains("DMFAOrgURL: missing; the profile has \"DMFAOrgUrl\" instead (key names are case-sensitive)", e.Message, StringComparison.Ordinal);
        Assert.Contains("DMFAClientID: missing (it is required)", e.Message, StringComparison.Ordinal);
        Assert.Contains("DMFAClientSecret: missing (it is required)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_offline_hours_is_valid_and_turns_offline_sign_in_off()
    {
        Assert.Equal(TimeSpan.Zero, ProfileReader.Parse(With("LoginPeriodWithOfflineFactor", "0")).OfflinePeriod);
    }

    [Theory]
    [InlineData("not a profile", "neither JSON")]
    [InlineData("{\"DMFAOrgURL\": ", "not valid JSON")]
    [InlineData("[1,2]", "not an object of keys")]
    [InlineData("<html><body/></html>", "not a property list")]
    [InlineData("<plist><array/></plist>", "does not hold a <dict>")]
    public void Text_that_is_not_a_profile_is_a_configuration_error(string text, string expected)
    {
        var e = Assert.Throws<DesktopException>(() => ProfileReader.Parse(text));

        Assert.Equal(ExitCodes.Configuration, e.ExitCode);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_property_list_with_entities_is_refused_and_nothing_external_is_read()
    {
        var secretFile = Path.GetTempFileName();
        File.WriteAllText(secretFile, "https://leaked.example.com");
        try
        {
            var xxe = $"""
                <?xml version="1.0"?>
                <!DOCTYPE plist [ <!ENTITY leak SYSTEM "file://{secretFile}"> <!ENTITY word "https://acme.example.com"> ]>
                <plist><dict><key>DMFAOrgURL</key><string>&leak;</string><key>DMFAClientID</key><string>&word;</string>
                <key>DMFAClientSecret</key><string>x</string></dict></plist>
                """;

            var e = Assert.Throws<DesktopException>(() => ProfileReader.Parse(xxe));

            Assert.Equal(ExitCodes.Configuration, e.ExitCode);
            Assert.Contains("not a valid XML property list", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("leaked", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(secretFile);
        }
    }

    [Fact]
    public void A_property_list_with_wrong_types_names_each_key()
    {
        var plist = Plist.Replace("<integer>48</integer>", "<string>48</string>", StringComparison.Ordinal)
            .Replace("<string>https://acme.example.com</string>", "<true/>", StringComparison.Ordinal);

        var e = Assert.Throws<DesktopException>(() => ProfileReader.Parse(plist));

        Assert.Contains("DMFAOrgURL: must be a string (the org's URL), not true or false", e.Message, StringComparison.Ordinal);
        Assert.Contains("LoginPeriodWithOfflineFactor: must be a whole number of hours, not a string (\"48\")", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<DesktopException>(() => ProfileReader.Load("/nonexistent/profile.json"));

        Assert.Equal(ExitCodes.Configuration, e.ExitCode);
        Assert.Contains("there is no file /nonexistent/profile.json", e.Message, StringComparison.Ordinal);
    }

    private static string With(string key, string json) => TestFolder.ProfileJson.Contains($"\"{key}\"", StringComparison.Ordinal)
        ? System.Text.RegularExpressions.Regex.Replace(TestFolder.ProfileJson, $"\"{key}\":\"[^\"]*\"", $"\"{key}\":{json.Replace("$", "$$", StringComparison.Ordinal)}")
        : TestFolder.ProfileJson.TrimEnd('}') + $",\"{key}\":{json}}}";
}
