using System.Collections.Concurrent;

namespace Latchkey.Server.Features.AuthenticatorApp;

/// <summary>
/// Wakes the app's long-poll on this node the moment a push for its enrollment is written. Pushes live in the
/// database, so a waiter also looks there every <see cref="Recheck"/> (a push created on another node sharing the
/// database) and a reconnecting app finds what it missed; this signal only makes the common case immediate.
/// </summary>
public sealed class PushSignals
{
    public static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(500);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    /// <summary>A task that completes at the next <see cref="Notify"/> for <paramref name="enrollmentId"/>.</summary>
    public Task Next(string enrollmentId) =>
        _waiters.GetOrAdd(enrollmentId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Notify(string enrollmentId)
    {
        if (_waiters.TryRemove(enrollmentId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}
