// QuickStart: a durable workflow on the in-memory store, with no database and no API key.
// Run it with: dotnet run --project samples/QuickStart
#region quickstart
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workflow.Client;
using Workflow.Definitions;

// 1. Define the workflow. Each step's output is the next step's input, checked by the compiler;
//    every completed step is journaled, so a restart never runs it again.
var fulfilment = WorkflowDefinition.Create<Order>("order-fulfilment")
    .Then("validate", order => order with { Total = order.Lines.Sum(line => line.Price * line.Quantity) })
    .Branch("review",
        order => order.Total > 1_000m,
        large => large.Then("manager-approval", order => order with { Note = "approved by a manager" }),
        small => small.Then("auto-approval", order => order with { Note = "approved automatically" }))
    .Parallel("fulfil",
        stock => stock.Then("reserve-stock", async (order, context, ct) =>
        {
            await Task.Delay(50, ct);                            // call the warehouse here
            return $"reserved {order.Lines.Sum(line => line.Quantity)} item(s)";
        }),
        payment => payment.Then("charge-card", async (order, context, ct) =>
        {
            await Task.Delay(50, ct);                            // call the payment provider with context.IdempotencyKey
            return $"charged {order.Total:0.00} EUR";
        }),
        (stock, payment) => new Receipt(stock, payment))
    .Then("send-receipt", receipt => receipt with { Sent = true })
    .Build();

// 2. Register it. AddWorkflows uses the in-memory store unless you add another (UsePostgres).
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddWorkflows().AddWorkflow(fulfilment);
using var host = builder.Build();
await host.StartAsync();

// 3. Start an instance, print each step as it happens, then the result.
var client = host.Services.GetRequiredService<IWorkflowClient>();
var order = new Order("order-42", [new OrderLine("keyboard", 2, 89.50m), new OrderLine("monitor", 1, 1_249m)]);
var instance = await client.StartAsync(fulfilment, order);

await foreach (var update in instance.WatchAsync())
{
    switch (update)
    {
        case StepCompletedEvent step:
            Console.WriteLine($"step {step.StepPath,-22} -> {step.Output}");
            break;
        case BranchTakenEvent branch:
            Console.WriteLine($"branch {branch.Path,-20} -> {branch.Arm}");
            break;
    }
}

Receipt receipt = await instance.GetResultAsync();
Console.WriteLine($"result: {receipt}");
await host.StopAsync();

public sealed record OrderLine(string Product, int Quantity, decimal Price);

public sealed record Order(string Id, OrderLine[] Lines, decimal Total = 0, string? Note = null);

public sealed record Receipt(string Stock, string Payment, bool Sent = false);
#endregion
