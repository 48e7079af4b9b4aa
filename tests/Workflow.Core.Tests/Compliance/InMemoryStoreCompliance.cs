using Microsoft.Extensions.Time.Testing;
using Workflow.Storage;
using Workflow.Storage.InMemory;
using Workflow.Store.Compliance;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Compliance;

public sealed class InMemoryStoreFixture : IWorkflowStoreFixture
{
    private readonly FakeTimeProvider _clock = new(TestHost.Epoch);

    public DateTimeOffset Now => _clock.GetUtcNow();

    public TimeSpan ShortLease => TimeSpan.FromSeconds(30);

    public ValueTask<IWorkflowStore> CreateStoreAsync() => new(new InMemoryWorkflowStore(_clock));

    public Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan step, string what) =>
        Poll.UntilAsync(condition, what, () => _clock.Advance(step), TestContext.Current.CancellationToken);
}

public sealed class InMemoryStoreCompliance(InMemoryStoreFixture fixture)
    : WorkflowStoreCompliance<InMemoryStoreFixture>(fixture), IClassFixture<InMemoryStoreFixture>;
