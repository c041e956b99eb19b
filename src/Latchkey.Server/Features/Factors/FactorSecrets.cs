using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace Latchkey.Server.Features.Factors;

/// <summary>
/// Factor secrets at rest, each sealed for its org and factor (<see cref="RowSealer"/>). A secret that fails to open is
/// no secret: the factor then refuses every code (and still locks).
/// </summary>
public sealed class FactorSecrets(IDataProtectionProvider protection) : RowSealer(protection, "Latchkey.Factors.Secret.v1");
