using Microsoft.Extensions.DependencyInjection;
using Workflow.Definitions;

namespace Workflow.IntegrationTests.Snippets;

/// <summary>The README's storage example; README blocks must equal these regions.</summary>
public static class StorageSnippets
{
    public static IServiceCollection AddDurableOrders(IServiceCollection services, string connectionString, WorkflowDefinition order)
    {
        #region postgres
        services.AddWorkflows()
            .AddWorkflow(order)
            .UsePostgres(connectionString, postgres => postgres.Schema = "orders");   // one schema per service
        #endregion
        return services;
    }
}
