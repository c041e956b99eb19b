using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Xunit;

namespace Latchkey.Core.Tests.Security;

/// <summary>Ids derived from what they join (a device's link to a user, an app's mapping to its policy): stable, Okta-shaped, distinct.</summary>
public sealed class DerivedIdsTests
{
    [Fact]
    public void The_same_key_gives_the_same_20_character_base62_id_with_the_prefix_and_another_key_another_id()
    {
        var id = DerivedIds.Of(IdPrefix.PolicyMapping, "rst1/0oa1");
        Assert.Equal(id, DerivedIds.Of(IdPrefix.PolicyMapping, "rst1/0oa1"));
        Assert.Matches("^map[0-9A-Za-z]{17}$", id);
        Assert.NotEqual(id, DerivedIds.Of(IdPrefix.PolicyMapping, "rst1/0oa2"));
        Assert.NotEqual(id, DerivedIds.Of(IdPrefix.PolicyMapping, "rst2/0oa1"));
    }

    [Fact]
    public void A_device_link_keeps_the_id_it_had_before_the_derivation_was_shared()
    {
        // SHA-256("guo1/00u1"), its first 17 bytes each modulo 62 in base62, as DeviceResources.DeviceUserId always made it.
        Assert.Equal("lnkG7VFEjMNZSEd2E3Uo", DerivedIds.Of("lnk", "guo1/00u1"));
    }
}
