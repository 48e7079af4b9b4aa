using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Storage;
using Workflow.Storage.InMemory;

namespace Workflow.Benchmarks;

/// <summary>
/// The host of the peer-shape benchmarks: ours with its defaults on the in-memory store, through the full journaling
/// path (every step's start and result appended to the instance's journal, the work queued and leased through the
/// store), running the 3-step workflow of the peer benchmarks (each step adds one to an int).
/// </summary>
internal sealed class PeerShapeHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly InMemoryWorkflowStore _store;

    private PeerShapeHost(IHost host, InMemoryWorkflowStore store)
    {
        _host = host;
        _store = store;
        Client = host.Services.GetRequiredService<IWorkflowClient>();
    }

    public static WorkflowDefinition<int, int> ThreeSteps { get; } = WorkflowDefinition.Create<int>("three-steps")
        .Then("step-1", static x => x + 1)
        .Then("step-2", static x => x + 1)
        .Then("step-3", static x => x + 1)
        .Build();

    public IWorkflowClient Client { get; }

    /// <summary>Starts a host and runs <paramref name="warmUpWorkflows"/> workflows on it, so what a host sets up on
    /// first use (worker threads, queues, pools) is not measured; the peers' hosts are warmed up the same way.</summary>
    public static async Task<PeerShapeHost> StartAsync(int warmUpWorkflows = 100)
    {
        var store = new InMemoryWorkflowStore();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddWorkflows().UseInMemoryStore(store).AddWorkflow(ThreeSteps);
        var host = builder.Build();
        await host.StartAsync();
        var started = new PeerShapeHost(host, store);
        var results = new Task<int>[warmUpWorkflows];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = (await started.Client.StartAsync(ThreeSteps, i)).GetResultAsync();
        }

        await Task.WhenAll(results);
        return started;
    }

    /// <summary>Runs one workflow and returns how many events its journal holds (printed for compare.sh).</summary>
    public async Task<int> JournalEventsPerWorkflowAsync()
    {
        var handle = await Client.StartAsync(ThreeSteps, 0);
        var result = await handle.GetResultAsync();
        if (result != 3)
        {
            throw new InvalidOperationException($"The workflow returned {result}, expected 3.");
        }

        var events = await _store.ReadStreamAsync(handle.InstanceId, 0, ReadDirection.Forward, int.MaxValue);
        return events.Count;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
