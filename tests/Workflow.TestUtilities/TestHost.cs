using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Workflow.Client;
using Workflow.DependencyInjection;
using Workflow.Runtime;
using Workflow.Storage;

namespace Workflow.TestUtilities;

/// <summary>A started host with the workflow runtime on a fake clock. Disposing it stops the host.</summary>
public sealed class TestHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TestHost(IHost host, FakeTimeProvider clock)
    {
        _host = host;
        Clock = clock;
    }

    public FakeTimeProvider Clock { get; }

    public IServiceProvider Services => _host.Services;

    public IWorkflowClient Client => Services.GetRequiredService<IWorkflowClient>();

    public IWorkflowStore Store => Services.GetRequiredService<IWorkflowStore>();

    public static DateTimeOffset Epoch { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<TestHost> StartAsync(
        Action<IWorkflowBuilder> configure,
        FakeTimeProvider? clock = null,
        Action<WorkflowOptions>? options = null,
        Action<IServiceCollection>? services = null,
        CapturingLoggerProvider? logs = null,
        CancellationToken cancellationToken = default)
    {
        clock ??= new FakeTimeProvider(Epoch);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
        }

        builder.Services.AddSingleton<TimeProvider>(clock);
        var workflows = builder.Services.AddWorkflows(o =>
        {
            o.PollInterval = TimeSpan.FromSeconds(1);
            o.LeaseDuration = TimeSpan.FromSeconds(30);
            options?.Invoke(o);
        });
        configure(workflows);
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new TestHost(host, clock);
    }

    /// <summary>Stops the host gracefully, giving running steps until <paramref name="deadline"/> fires.</summary>
    public async Task StopAsync(CancellationToken deadline)
    {
        _stopped = true;
        await _host.StopAsync(deadline);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            using var deadline = new CancellationTokenSource();
            await deadline.CancelAsync();
            await _host.StopAsync(deadline.Token);
        }

        _host.Dispose();
    }
}
