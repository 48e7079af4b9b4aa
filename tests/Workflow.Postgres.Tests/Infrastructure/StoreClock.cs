using System.Diagnostics;

namespace Workflow.Postgres.Tests.Infrastructure;

/// <summary>Time as the PostgreSQL store sees it, for tests of leases and timers that run in real time.</summary>
public static class StoreClock
{
    /// <summary>The longest a test waits for a condition: reaching it means a hang, not slowness.</summary>
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromMilliseconds(25);

    /// <summary>The database clock: the test server is local, so the local UTC clock, at PostgreSQL's precision
    /// (timestamptz keeps microseconds).</summary>
    public static DateTimeOffset Now
    {
        get
        {
            var now = TimeProvider.System.GetUtcNow();
            return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % 10), TimeSpan.Zero);
        }
    }

    /// <summary>Polls <paramref name="condition"/> in real time, a short delay (at most <paramref name="step"/>) apart,
    /// until it holds or <see cref="Cap"/> passes.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan step, string what, CancellationToken cancellationToken)
    {
        var delay = step < MaxPollDelay ? step : MaxPollDelay;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Cap)
            {
                throw new TimeoutException($"Gave up after {Cap.TotalSeconds:0} s waiting until {what}.");
            }

            await Task.Delay(delay, cancellationToken);
        }
    }
}
