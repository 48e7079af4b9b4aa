using System.Diagnostics;

namespace Workflow.TestUtilities;

/// <summary>Waits for a condition that other threads make true. Reaching the cap means a hang, not slowness:
/// the cap is generous on purpose and no test relies on how long anything takes.</summary>
public static class Poll
{
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(60);

    public static async Task UntilAsync(Func<bool> condition, string what, Action? betweenPolls = null, CancellationToken cancellationToken = default)
    {
        await UntilAsync(() => Task.FromResult(condition()), what, betweenPolls, cancellationToken);
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, Action? betweenPolls = null, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > Cap)
            {
                throw new TimeoutException($"Gave up after {Cap.TotalSeconds:0} s waiting until {what}.");
            }

            betweenPolls?.Invoke();
            await Task.Delay(2, cancellationToken);
        }
    }

    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, Action? betweenPolls = null, CancellationToken cancellationToken = default)
        where T : class
    {
        T? found = null;
        await UntilAsync(async () => (found = await probe()) is not null, what, betweenPolls, cancellationToken);
        return found!;
    }
}
