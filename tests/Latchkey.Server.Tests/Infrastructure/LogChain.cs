using System.Text.Json.Nodes;
using Latchkey.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>Reads the stored System Log rows and checks the hash chain.</summary>
public static class LogChain
{
    /// <summary>Checks every org's chain in the store and that the chain head points at its last row.</summary>
    public static async Task AssertValidAsync(ServerFixture server)
    {
        var (rows, heads) = await server.WithDbAsync(async db =>
            (await db.LogEvents.AsNoTracking().OrderBy(e => e.OrgId).ThenBy(e => e.Sequence).ToListAsync(),
             await db.LogChainHeads.AsNoTracking().ToListAsync()));
        Assert.NotEmpty(rows);
        foreach (var chain in rows.GroupBy(r => r.OrgId))
        {
            var previous = LogChainHasher.Genesis;
            long sequence = 0;
            foreach (var row in chain)
            {
                sequence++;
                Assert.True(sequence == row.Sequence, $"sequence {row.Sequence} where {sequence} was expected (a gap or a duplicate)");
                Assert.True(previous == row.PreviousHash, $"row {row.Sequence}: PreviousHash {row.PreviousHash} is not the previous row's hash {previous}");
                Assert.True(LogChainHasher.Next(row.PreviousHash, row.Sequence, row.Json) == row.Hash, $"row {row.Sequence}: Hash does not match its content");
                var json = JsonNode.Parse(row.Json)!;
                Assert.Equal(row.Uuid, (string?)json["uuid"]);
                Assert.Equal(row.EventType, (string?)json["eventType"]);
                previous = row.Hash;
            }

            var head = Assert.Single(heads, h => h.OrgId == chain.Key);
            Assert.Equal(sequence, head.Sequence);
            Assert.Equal(previous, head.LastHash);
        }
    }
}
