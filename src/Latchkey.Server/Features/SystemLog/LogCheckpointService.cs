using Latchkey.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.SystemLog;

/// <summary>
/// Counts the events this process appends; once <c>Latchkey:SystemLog:Checkpoint:EveryEvents</c> have been
/// written since the last run it wakes the checkpoint service early.
/// </summary>
public sealed class LogCheckpointTrigger(IOptions<LatchkeyOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private long _since;

    public void Appended(long count)
    {
        if (Interlocked.Add(ref _since, count) >= options.Value.SystemLog.Checkpoint.EveryEvents && _signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Signalled already by another writer.
            }
        }
    }

    /// <summary>Waits for enough events or for <paramref name="period"/>, whichever comes first, then starts a new count.</summary>
    public async Task WaitAsync(TimeSpan period, TimeProvider time, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(period, time, stop.Token);
        var signal = _signal.WaitAsync(stop.Token);
        await Task.WhenAny(delay, signal);
        await stop.CancelAsync();
        ct.ThrowIfCancellationRequested();
        Interlocked.Exchange(ref _since, 0);
    }

    public void Dispose() => _signal.Dispose();
}

/// <summary>
/// Signs checkpoints every <c>Latchkey:SystemLog:Checkpoint:EverySeconds</c> (when there are new events),
/// sooner after <c>EveryEvents</c> events, and once more at a clean shutdown, so a stopped server leaves every
/// event it wrote covered by a signature.
/// </summary>
public sealed partial class LogCheckpointService(LogCheckpointer checkpointer, LogCheckpointTrigger trigger, TimeProvider time,
    IOptions<LatchkeyOptions> options, ILogger<LogCheckpointService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(options.Value.SystemLog.Checkpoint.EverySeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await trigger.WaitAsync(period, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RunAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await RunAsync(cancellationToken);
        LogStopped(logger);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await checkpointer.RunAsync(reportInSystemLog: true, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception e)
        {
            LogFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Signing System Log checkpoints failed; the next run tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Signed the System Log checkpoints at shutdown")]
    private static partial void LogStopped(ILogger logger);
}
