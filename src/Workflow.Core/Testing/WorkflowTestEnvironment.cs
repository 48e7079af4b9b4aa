using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workflow.Client;
using Workflow.DependencyInjection;
using Workflow.Runtime;
using Workflow.Storage;
using Workflow.Storage.InMemory;

namespace Workflow.Testing;

/// <summary>
/// Runs workflows in a test: the real runtime on the in-memory store and a <see cref="ManualTimeProvider"/>, with
/// time skipping. <see cref="AdvanceTimeAsync"/> moves the clock through every timer and timeout due in the window
/// and lets each instance run until it waits again, so a workflow with a three-day timeout reaches its timeout arm
/// at once.
/// </summary>
public sealed class WorkflowTestEnvironment : IAsyncDisposable
{
    private static readonly TimeSpan IdleCap = TimeSpan.FromSeconds(60);
    private readonly ServiceProvider _services;
    private readonly WorkflowRuntime _runtime;
    private readonly InMemoryWorkflowStore _store;

    private WorkflowTestEnvironment(ServiceProvider services, ManualTimeProvider clock)
    {
        _services = services;
        Clock = clock;
        _runtime = services.GetRequiredService<WorkflowRuntime>();
        _store = services.GetRequiredService<IWorkflowStore>() as InMemoryWorkflowStore
            ?? throw new InvalidOperationException("The test environment runs on the in-memory store; do not register another store in it.");
        Client = services.GetRequiredService<IWorkflowClient>();
    }

    /// <summary>Gets the client, to start and drive instances.</summary>
    public IWorkflowClient Client { get; }

    /// <summary>Gets the environment's services.</summary>
    public IServiceProvider Services => _services;

    /// <summary>Gets the clock every component of the environment uses.</summary>
    public ManualTimeProvider Clock { get; }

    /// <summary>Builds and starts an environment.</summary>
    /// <param name="configure">Registers the workflows (<c>AddWorkflow</c>) and runtime options.</param>
    /// <param name="startTime">The clock's start, or <see langword="null"/> for 2000-01-01T00:00:00Z.</param>
    /// <param name="configureServices">Registers the services the steps need.</param>
    /// <param name="cancellationToken">A token to cancel the start.</param>
    /// <returns>The started environment; dispose it to stop the runtime.</returns>
    public static async Task<WorkflowTestEnvironment> StartAsync(
        Action<IWorkflowBuilder> configure,
        DateTimeOffset? startTime = null,
        Action<IServiceCollection>? configureServices = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var clock = new ManualTimeProvider(startTime);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        configure(services.AddWorkflows());
        configureServices?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
            var environment = new WorkflowTestEnvironment(provider, clock);
            await environment._runtime.StartAsync(cancellationToken).ConfigureAwait(false);
            return environment;
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Skips time: moves the clock forward by <paramref name="delta"/>, stopping at every due timer,
    /// timeout and retry on the way and letting the instances run until they wait again.</summary>
    /// <param name="delta">How far to move the clock.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the clock has moved and every instance waits or has ended.</returns>
    /// <exception cref="TimeoutException">Instances kept running for a minute of real time (a step blocked on
    /// something outside the environment).</exception>
    public async Task AdvanceTimeAsync(TimeSpan delta, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        var target = Clock.GetUtcNow() + delta;
        await WaitUntilIdleAsync(cancellationToken).ConfigureAwait(false);
        while (_store.NextDueAt() is { } due && due <= target)
        {
            if (due > Clock.GetUtcNow())
            {
                Clock.SetUtcNow(due);
            }

            await WaitUntilIdleAsync(cancellationToken).ConfigureAwait(false);
        }

        Clock.SetUtcNow(target);
        await WaitUntilIdleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until no instance runs and none is due: every instance waits for an event or a later time, or
    /// has ended.</summary>
    /// <param name="cancellationToken">A token to cancel the wait.</param>
    /// <returns>A task that completes when the environment is idle.</returns>
    /// <exception cref="TimeoutException">Instances kept running for a minute of real time.</exception>
    public async Task WaitUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        while (_runtime.ActiveRuns > 0 || _runtime.QueuedRuns > 0 || _store.HasWorkInFlight())
        {
            if (watch.Elapsed > IdleCap)
            {
                throw new TimeoutException("Workflow instances kept running for a minute of real time; a step may be blocked on something outside the test environment.");
            }

            _runtime.Wake();
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the runtime, abandoning steps still running, and disposes the services.</summary>
    /// <returns>A task that completes when the environment is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        using (var now = new CancellationTokenSource())
        {
            await now.CancelAsync().ConfigureAwait(false);
            await _runtime.StopAsync(now.Token).ConfigureAwait(false);
        }

        await _services.DisposeAsync().ConfigureAwait(false);
    }
}
