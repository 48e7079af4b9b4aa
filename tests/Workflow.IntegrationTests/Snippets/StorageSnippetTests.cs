using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workflow.Definitions;
using Workflow.Postgres.Storage;
using Workflow.Storage;

namespace Workflow.IntegrationTests.Snippets;

public sealed class StorageSnippetTests
{
    [Fact]
    public async Task Postgres_ReadmeExample_RegistersThePostgresStoreOnItsSchema()
    {
        var order = WorkflowDefinition.Create<int>("order").Then("ship", x => x + 1).Build();
        var services = new ServiceCollection();

        StorageSnippets.AddDurableOrders(services, "Host=127.0.0.1;Port=1;Database=orders", order);

        // Resolving the store connects to nothing: the schema is created on first use.
        await using var provider = services.BuildServiceProvider();
        Assert.IsType<PostgresWorkflowStore>(provider.GetRequiredService<IWorkflowStore>());
        Assert.Equal("orders", provider.GetRequiredService<IOptions<PostgresWorkflowStoreOptions>>().Value.Schema);
    }
}
