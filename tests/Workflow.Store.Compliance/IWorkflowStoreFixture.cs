using Workflow.Storage;

namespace Workflow.Store.Compliance;

/// <summary>What the contract suite needs from a store under test.</summary>
public interface IWorkflowStoreFixture
{
    /// <summary>Creates a store; tests use unique instance ids, so stores may share their data.</summary>
    ValueTask<IWorkflowStore> CreateStoreAsync();

    /// <summary>Gets the current time on the store's clock (due times and lease expiries are compared with it).</summary>
    DateTimeOffset Now { get; }

    /// <summary>Gets a lease duration short enough to wait out in a test.</summary>
    TimeSpan ShortLease { get; }

    /// <summary>Waits until <paramref name="condition"/> holds, letting the store's clock move on between polls
    /// (advancing a fake clock by <paramref name="step"/>, or waiting in real time).</summary>
    Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan step, string what);
}
