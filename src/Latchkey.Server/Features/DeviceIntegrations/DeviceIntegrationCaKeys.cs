using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace Latchkey.Server.Features.DeviceIntegrations;

/// <summary>
/// A device integration's CA private key (PKCS#8) at rest, sealed for its org and integration (<see cref="RowSealer"/>).
/// A key that does not open issues nothing (fail closed).
/// </summary>
public sealed class DeviceIntegrationCaKeys(IDataProtectionProvider protection) : RowSealer(protection, "Latchkey.DeviceIntegrations.CaKey.v1");
