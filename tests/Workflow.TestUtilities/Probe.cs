using System.Collections.Concurrent;

namespace Workflow.TestUtilities;

/// <summary>Counts what steps do outside the journal, and lets a test hold a step until it says so.</summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new(StringComparer.Ordinal);
    private int _running;
    private int _maxRunning;

    public int Count(string key) => _counts.GetValueOrDefault(key);

    public int Hit(string key) => _counts.AddOrUpdate(key, 1, static (_, n) => n + 1);

    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    public int Running => Volatile.Read(ref _running);

    /// <summary>Makes <see cref="WaitAsync"/> on <paramref name="key"/> block until <see cref="Open"/>.</summary>
    public void Close(string key) => _gates[key] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open(string key)
    {
        if (_gates.TryGetValue(key, out var gate))
        {
            gate.TrySetResult();
        }
    }

    public Task WaitAsync(string key, CancellationToken cancellationToken = default) =>
        _gates.TryGetValue(key, out var gate) ? gate.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Marks a step as running while the returned scope lives, tracking the most that ran at once.</summary>
    public IDisposable Enter()
    {
        var now = Interlocked.Increment(ref _running);
        int max;
        while (now > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, max) != max)
        {
        }

        return new Exit(this);
    }

    private sealed class Exit(Probe probe) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref probe._running);
    }
}
