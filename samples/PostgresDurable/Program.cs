// PostgresDurable: durable workflows on PostgreSQL, shared by as many nodes as you start.
//
//   export WORKFLOW_POSTGRES="Host=localhost;Username=postgres;Password=secret;Database=orders"
//   dotnet run --project samples/PostgresDurable                   # a node: runs instances until Ctrl+C
//   dotnet run --project samples/PostgresDurable -- start 20       # starts 20 orders and waits until they are shipped
//
// Start two or three nodes in separate terminals, then "start 20": the nodes share the orders. Stop a node (Ctrl+C, or
// kill -9) while orders sleep in "cool-off": the others finish them once its leases expire.
// WORKFLOW_NODE names a node (by default the machine name and the process id).
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workflow.Client;
using Workflow.Definitions;

const string ConnectionVariable = "WORKFLOW_POSTGRES";
if (Environment.GetEnvironmentVariable(ConnectionVariable) is not { Length: > 0 } connectionString)
{
    await Console.Error.WriteLineAsync($"""
        {ConnectionVariable} is not set: the sample needs a PostgreSQL database (13 or later) to store its workflows in.
        Set it to an Npgsql connection string, for example:
            export {ConnectionVariable}="Host=localhost;Port=5432;Username=postgres;Password=secret;Database=orders"
        The user must be allowed to create a schema in that database: the store creates the schema 'orders' on first use.
        """);
    return 2;
}

var count = 0;
if (args is ["start", var text] && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var requested) && requested is >= 1 and <= 10_000)
{
    count = requested;
}
else if (args.Length > 0)
{
    await Console.Error.WriteLineAsync("Usage: PostgresDurable [start <1-10000>]   (no argument: run as a node until Ctrl+C)");
    return 2;
}

var node = Environment.GetEnvironmentVariable("WORKFLOW_NODE") is { Length: > 0 } name ? name : $"{Environment.MachineName}-{Environment.ProcessId}";

#region postgres-durable
var order = WorkflowDefinition.Create<Order>("order")
    .Then("reserve", (order, context, ct) => StepAsync(node, context.InstanceId, "reserve", order))
    .Delay("cool-off", TimeSpan.FromSeconds(2))                   // a durable timer: any node may wake it up
    .Then("charge", (order, context, ct) => StepAsync(node, context.InstanceId, "charge", order))
    .Then("ship", (order, context, ct) => StepAsync(node, context.InstanceId, "ship", new Shipment(order.Id, node)))
    .Build();

var builder = Host.CreateApplicationBuilder();
builder.Services
    .AddWorkflows(options =>
    {
        options.NodeId = node;
        options.RunWorker = count == 0;                            // "start" only starts orders: the nodes run them
    })
    .AddWorkflow(order)
    .UsePostgres(connectionString, postgres => postgres.Schema = "orders");   // tables are created on first use
#endregion
builder.Logging.SetMinimumLevel(LogLevel.Warning);
using var host = builder.Build();
await host.StartAsync();
if (count == 0)
{
    Console.WriteLine($"node {node} runs; Ctrl+C to stop it");
    await host.WaitForShutdownAsync();
    return 0;
}

// Start the orders (their ids are unique per run), then wait for each result, whichever node produced it.
var client = host.Services.GetRequiredService<IWorkflowClient>();
var run = Guid.NewGuid().ToString("N")[..8];
var handles = new List<WorkflowHandle<Shipment>>();
for (var i = 1; i <= count; i++)
{
    handles.Add(await client.StartAsync(order, new Order($"order-{run}-{i}", 10m * i), new StartWorkflowOptions { InstanceId = $"order-{run}-{i}" }));
}

foreach (var handle in handles)
{
    var shipment = await handle.GetResultAsync();
    Console.WriteLine($"{shipment.OrderId} shipped by {shipment.ShippedBy}");
}

Console.WriteLine($"all {count} orders shipped");
await host.StopAsync();
return 0;

// Every step says which node ran it; a real step would call a service here, passing context.IdempotencyKey along.
static Task<T> StepAsync<T>(string node, string instanceId, string step, T output)
{
    Console.WriteLine($"{node}: {step,-7} {instanceId}");
    return Task.FromResult(output);
}

public sealed record Order(string Id, decimal Amount);

public sealed record Shipment(string OrderId, string ShippedBy);
