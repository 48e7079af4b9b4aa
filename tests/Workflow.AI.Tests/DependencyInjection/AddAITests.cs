using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workflow.AI.Providers;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Testing;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.DependencyInjection;

public sealed class AddAITests
{
    [Fact]
    public void AddAI_CalledTwice_RegistersEverythingOnceAndAppliesEachConfigurationInOrder()
    {
        var services = new ServiceCollection();
        services.AddWorkflows().AddAI(o => o.DefaultProvider = "first").AddAI(o => o.Resilience.MaxRetryAttempts = 5).AddAI();
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(ChatProviderResolver));
        var options = provider.GetRequiredService<IOptions<WorkflowAIOptions>>().Value;
        Assert.Equal("first", options.DefaultProvider);
        Assert.Equal(5, options.Resilience.MaxRetryAttempts);
    }

    [Fact]
    public async Task Steps_NameTheirProvider_KeyedClientsAnswerAndTheFirstHelperAddedIsTheDefault()
    {
        await using var first = await LocalServer.StartAsync();
        await using var second = await LocalServer.StartAsync();
        first.Router = _ => OpenAIWire.Text("from first");
        second.Router = _ => OpenAIWire.Text("from second");
        var custom = new ScriptedChatClient().Reply("from custom");
        var definition = WorkflowDefinition.Create<string>("named-providers")
            .Prompt("default", q => q)
            .Prompt("second", q => q, new PromptOptions { Provider = "second" })
            .Prompt("custom", q => q, new PromptOptions { Provider = "custom" })
            .Then("join", (string last, Workflow.Steps.StepContext context, CancellationToken _) =>
                Task.FromResult(string.Join(" | ", context.GetStepOutput<string>("default"), context.GetStepOutput<string>("second"), last)))
            .Build();
        await using var host = await TestHost.StartAsync(
            b => b.AddWorkflow(definition).AddAI().AddOpenAI("first", first).AddOpenAI("second", second),
            services: s => s.AddKeyedChatClient("custom", custom),
            cancellationToken: Token);

        var result = await (await host.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("from first | from second | from custom", result);
    }

    [Fact]
    public async Task DefaultProvider_Unset_UsesTheIChatClientRegisteredWithoutAKey()
    {
        var model = new ScriptedChatClient().Reply("unkeyed");
        var definition = WorkflowDefinition.Create<string>("unkeyed").Prompt("p", q => q).Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition).AddAI(), configureServices: s => s.AddChatClient(model), cancellationToken: Token);

        Assert.Equal("unkeyed", await (await env.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());
    }

    [Fact]
    public async Task UnknownProvider_StepFailsWithAnErrorThatSaysHowToRegisterIt()
    {
        var definition = WorkflowDefinition.Create<string>("unknown-provider").Prompt("p", q => q, new PromptOptions { Provider = "nope" }).Build();
        await using var env = await StartAsync(new ScriptedChatClient(), definition);

        var error = await Assert.ThrowsAsync<WorkflowFailedException>(async () =>
            await (await env.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());

        Assert.Contains("No chat provider named 'nope' is registered", error.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("AddKeyedChatClient(\"nope\"", error.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAddAI_StepFailsWithAnErrorThatSaysWhatToCall()
    {
        var definition = WorkflowDefinition.Create<string>("no-ai").Prompt("p", q => q).Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var error = await Assert.ThrowsAsync<WorkflowFailedException>(async () =>
            await (await env.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());

        Assert.Contains("call services.AddWorkflows().AddAI()", error.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidOptions_FailWhenTheHostStarts_ListingEveryProblem()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WorkflowTestEnvironment.StartAsync(
            b => b.AddAI(o =>
            {
                o.Resilience.MaxRetryAttempts = -1;
                o.Resilience.AttemptTimeout = TimeSpan.Zero;
                o.FailoverChains["loop"] = ["loop"];
            }),
            cancellationToken: Token));

        Assert.Contains("MaxRetryAttempts is -1", error.Message, StringComparison.Ordinal);
        Assert.Contains("AttemptTimeout is 00:00:00", error.Message, StringComparison.Ordinal);
        Assert.Contains("The failover chain 'loop' lists the chain 'loop'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProviderHelpers_MissingKeyOrModel_FailAtRegistration()
    {
        var builder = new ServiceCollection().AddWorkflows();

        var openAI = Assert.Throws<ArgumentException>(() => builder.AddOpenAIProvider("x", o => o.Model = "m"));
        var ollama = Assert.Throws<ArgumentException>(() => builder.AddOllamaProvider("y", _ => { }));
        Assert.Throws<ArgumentException>(() => builder.AddChatFailover("chain"));

        Assert.Contains("needs an ApiKey and a Model", openAI.Message, StringComparison.Ordinal);
        Assert.Contains("needs an Endpoint and a Model", ollama.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAIProvider_ClientLibraryRetriesAreOff_AndItsClientIsDisposedWithTheContainer()
    {
        await using var server = await LocalServer.StartAsync();
        server.Router = _ => OpenAIWire.Status(503);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddWorkflows().AddAI(o => o.Resilience.MaxRetryAttempts = 0).AddOpenAI("openai", server);
        var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredKeyedService<IChatClient>("openai");

        await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => client.GetResponseAsync("q", cancellationToken: Token));
        await provider.DisposeAsync();

        Assert.Single(server.Requests);
        Assert.Equal("openai", client.GetService<ChatClientMetadata>()?.ProviderName);
    }
}
