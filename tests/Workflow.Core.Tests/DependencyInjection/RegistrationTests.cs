using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Runtime;
using Workflow.Storage;
using Workflow.Storage.InMemory;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.DependencyInjection;

public sealed class RegistrationTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static WorkflowDefinition<int, int> Definition(string name = "di", int version = 1) =>
        WorkflowDefinition.Create<int>(name, version).Then("step", x => x + 1).Build();

    [Fact]
    public void AddWorkflows_CalledTwice_RegistersEachServiceOnceAndAppliesBothConfigurations()
    {
        var services = new ServiceCollection();

        services.AddWorkflows(o => o.MaxConcurrentInstances = 7);
        services.AddWorkflows(o => o.NodeId = "node-x");
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        Assert.Single(services, d => d.ServiceType == typeof(IWorkflowClient));
        Assert.Single(services, d => d.ServiceType == typeof(IWorkflowStore));
        var options = provider.GetRequiredService<IOptions<WorkflowOptions>>().Value;
        Assert.Equal(7, options.MaxConcurrentInstances);
        Assert.Equal("node-x", options.NodeId);
        Assert.IsType<InMemoryWorkflowStore>(provider.GetRequiredService<IWorkflowStore>());
    }

    [Fact]
    public void Registry_FindsDefinitionsByNameAndVersion()
    {
        var v1 = Definition();
        var v2 = Definition(version: 2);
        var services = new ServiceCollection();
        services.AddWorkflows().AddWorkflow(v2).AddWorkflow(v1).AddWorkflow(v1);
        using var provider = services.BuildServiceProvider();

        var registry = provider.GetRequiredService<IWorkflowRegistry>();

        Assert.Equal(2, registry.Definitions.Count);
        Assert.Same(v2, registry.Find("di"));
        Assert.Same(v1, registry.Find("di", 1));
        Assert.Null(registry.Find("di", 3));
        Assert.Null(registry.Find("other"));
    }

    [Fact]
    public async Task Start_TwoDifferentDefinitionsWithOneNameAndVersion_FailsNamingTheConflict()
    {
        var exception = await Assert.ThrowsAsync<WorkflowDefinitionException>(() =>
            TestHost.StartAsync(b => b.AddWorkflow(Definition()).AddWorkflow(Definition()), cancellationToken: Token));

        Assert.Contains("Version 1 is registered twice with different definitions", exception.Problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InvalidOptions_FailsListingEveryProblem()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestHost.StartAsync(b => b.AddWorkflow(Definition()), options: o =>
            {
                o.MaxConcurrentInstances = 0;
                o.LeaseDuration = TimeSpan.FromMilliseconds(10);
            }, cancellationToken: Token));

        Assert.Contains(exception.Failures, f => f.Contains("MaxConcurrentInstances is 0", StringComparison.Ordinal));
        Assert.Contains(exception.Failures, f => f.Contains("LeaseDuration", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_SerializerOptionsThatCannotHandleAType_FailsAtRegistration()
    {
        var definition = WorkflowDefinition.Create<Payload>("custom-json").Then("step", p => p).Build();
        var onlyInts = new JsonSerializerOptions { TypeInfoResolver = new OnlyIntResolver() };

        var exception = await Assert.ThrowsAsync<WorkflowDefinitionException>(() =>
            TestHost.StartAsync(b => b.AddWorkflow(definition), options: o => o.SerializerOptions = onlyInts, cancellationToken: Token));

        Assert.Contains(exception.Problems, p => p.StartsWith("The workflow input (Payload) cannot be serialized by System.Text.Json with the configured options", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HealthCheck_IsHealthyWhileRunningAndUnhealthyAfterStop()
    {
        var host = await TestHost.StartAsync(b => b.AddWorkflow(Definition()), services: s => s.AddHealthChecks().AddWorkflowRuntimeCheck(), cancellationToken: Token);
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var running = await health.CheckHealthAsync(Token);
        await host.StopAsync(Token);
        var stopped = await health.CheckHealthAsync(Token);
        await host.DisposeAsync();

        Assert.Equal(HealthStatus.Healthy, running.Status);
        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Equal("The workflow runtime is not running.", stopped.Entries["workflow-runtime"].Description);
    }

    [Fact]
    public async Task RunWorkerOff_ClientStartsInstancesThatAnotherNodeRuns()
    {
        var store = new InMemoryWorkflowStore();
        var definition = Definition();
        await using var frontEnd = await TestHost.StartAsync(b => b.AddWorkflow(definition).UseInMemoryStore(store), options: o => o.RunWorker = false, cancellationToken: Token);
        var handle = await frontEnd.Client.StartAsync(definition, 1, cancellationToken: Token);
        Assert.Equal(WorkflowStatus.Running, (await handle.GetInfoAsync(Token)).Status);

        await using var worker = await TestHost.StartAsync(b => b.AddWorkflow(definition).UseInMemoryStore(store), cancellationToken: Token);

        Assert.Equal(2, await frontEnd.Client.GetResultAsync<int>(handle.InstanceId, Token).OrHang());
    }

    public sealed record Payload(string Text);

    private sealed class OnlyIntResolver : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) =>
            type == typeof(int) ? JsonTypeInfo.CreateJsonTypeInfo<int>(options) : null;
    }
}
